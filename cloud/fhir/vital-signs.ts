/**
 * How relay metrics (protocols/vitals.ts) become FHIR Observations: which are vital signs
 * (http://hl7.org/fhir/R4/observation-vitalsigns.html) and which vital-signs profile each also claims.
 * Blood pressure stays two Observations (systolic 8480-6, diastolic 8462-4), as the relay stores
 * each value as its own row; they conform to the generic vitalsigns profile, not the bp panel
 * (docs/fhir.md#blood-pressure says why).
 */
import { VITAL_METRICS, type Measure, type VitalMetric } from '../../protocols/vitals.ts';

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const METRIC_SYSTEM = 'urn:carehub:metric';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';

interface VitalSignMapping {
  /** The specific R4 vital-signs profile, when there is one for this measurement. */
  profile?: string;
  /** Further LOINC codings the profile requires next to ours. */
  alsoLoinc?: readonly string[];
}

const sd = (name: string) => `http://hl7.org/fhir/StructureDefinition/${name}`;

/** Vital signs and their profiles; metrics not listed here (glucose, device measures, staff codes) are plain Observations. */
export const VITAL_SIGNS: Readonly<Partial<Record<VitalMetric, VitalSignMapping>>> = {
  'heart-rate': { profile: sd('heartrate') },
  // The oxygensat profile requires 2708-6 (arterial SaO2); pulse oximetry's own 59408-5 stays first, as US Core does.
  spo2: { profile: sd('oxygensat'), alsoLoinc: ['2708-6'] },
  'respiratory-rate': { profile: sd('resprate') },
  'body-temperature': { profile: sd('bodytemp') },
  'body-weight': { profile: sd('bodyweight') },
  'body-height': { profile: sd('bodyheight') },
  bmi: { profile: sd('bmi') },
  'systolic-bp': {},
  'diastolic-bp': {},
  'mean-bp': {},
};

export function vitalSignOf(metric: string): VitalSignMapping | undefined {
  return Object.hasOwn(VITAL_SIGNS, metric) ? VITAL_SIGNS[metric as VitalMetric] : undefined;
}

/** Metrics measured by a laboratory method (category laboratory rather than vital-signs). */
const LABORATORY: ReadonlySet<string> = new Set<Measure>(['glucose', 'glucose-molar']);

export function categoryOf(metric: string): 'vital-signs' | 'laboratory' | 'exam' {
  if (vitalSignOf(metric)) return 'vital-signs';
  return LABORATORY.has(metric) ? 'laboratory' : 'exam';
}

/** The metrics a LOINC code names (its own code or a profile's extra one). */
export function metricsOfLoinc(code: string): string[] {
  return Object.entries(VITAL_METRICS)
    .filter(([metric, { loinc }]) => loinc === code || vitalSignOf(metric)?.alsoLoinc?.includes(code))
    .map(([metric]) => metric);
}

/** Every profile the facade may put in an Observation's meta.profile. */
export const OBSERVATION_PROFILES: readonly string[] = [
  VITAL_SIGNS_PROFILE,
  ...new Set(Object.values(VITAL_SIGNS).flatMap((m) => (m.profile ? [m.profile] : []))),
];
