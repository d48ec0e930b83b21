/**
 * Tests that need something outside npm (socat, chromium, mosquitto_pub, strace, a PostgreSQL
 * server) ask for it here. On a user's machine a missing tool makes the test report itself
 * skipped, naming what is missing and how to install it; under CI=true (as `.ci/run` runs) a
 * missing tool is a failure instead, so CI can never go green on tests it did not run.
 * See docs/testing.md.
 */
import t from 'tap';

/** True when the suite runs under CI (`CI=true`, as `.ci/run` is run): a missing requirement fails. */
export function requirementsAreMandatory(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/** The one message both modes print: what is missing and how to get it. */
export function requirementMessage(name: string, installHint: string): string {
  return `${name} is missing (${installHint})`;
}

/**
 * The `skip` option for a test that needs `name`: `false` when it is available, otherwise the
 * reason. Under CI=true a missing requirement also records a failing assertion on the file's
 * root test (the test body still does not run: it would only fail later with a less clear error).
 *
 *   t.test('...', { skip: requirement('socat', socatAvailable(), 'Debian: apt-get install socat') }, ...)
 */
export function requirement(name: string, available: boolean, installHint: string): string | false {
  if (available) return false;
  const reason = requirementMessage(name, installHint);
  if (requirementsAreMandatory()) {
    t.fail(`CI=true refuses to skip: ${reason}`, { requirement: name });
  }
  return reason;
}

/**
 * For a test file whose top-level set-up needs `name`: true when it is available. When it is
 * not, the whole file is reported skipped with the reason (`t.plan(0, reason)`), or under
 * CI=true it fails with that reason. Use as `if (requireForFile(...)) { ...tests... }`.
 */
export function requireForFile(name: string, available: boolean, installHint: string): boolean {
  if (available) return true;
  const reason = requirementMessage(name, installHint);
  if (requirementsAreMandatory()) {
    t.fail(`CI=true refuses to skip: ${reason}`, { requirement: name });
  } else {
    t.plan(0, reason);
  }
  return false;
}
