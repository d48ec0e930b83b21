// Stryker's core and its TypeScript checker use the TypeScript JavaScript API, which
// typescript 7 (the native compiler this repository type-checks with) does not have.
// This loader hands them typescript 5.9, installed as the `typescript5` alias, whenever
// they import `typescript`. Used only by `npm run mutation` (see docs/mutation-testing.md).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      "export async function resolve(specifier, context, next) { return next(specifier === 'typescript' ? 'typescript5' : specifier, context); }",
    ),
  import.meta.url,
);
