/**
 * Vital-sign metrics the system knows: id → LOINC code and UCUM unit.
 * Adding a metric is one row here; readings of unknown metrics are rejected at the edge.
 */
export const VITAL_METRICS = {
  'heart-rate': { loinc: '8867-4', unit: '/min' },
  spo2: { loinc: '59408-5', unit: '%' },
  'respiratory-rate': { loinc: '9279-1', unit: '/min' },
  'body-temperature': { loinc: '8310-5', unit: 'Cel' },
  'systolic-bp': { loinc: '8480-6', unit: 'mm[Hg]' },
  'diastolic-bp': { loinc: '8462-4', unit: 'mm[Hg]' },
  'body-weight': { loinc: '29463-7', unit: 'kg' },
  glucose: { loinc: '2339-0', unit: 'mg/dL' },
  // Added with the Bluetooth health profiles (docs/gatt.md).
  'mean-bp': { loinc: '8478-0', unit: 'mm[Hg]' },
  bmi: { loinc: '39156-5', unit: 'kg/m2' },
  'body-height': { loinc: '8302-2', unit: 'cm' },
  // Glucose meters may report mol/L; LOINC keeps molar and mass concentration apart.
  'glucose-molar': { loinc: '15074-8', unit: 'mmol/L' },
} as const satisfies Record<string, { loinc: string; unit: string }>;

export type VitalMetric = keyof typeof VITAL_METRICS;
export const VITAL_METRIC_IDS = Object.keys(VITAL_METRICS) as [VitalMetric, ...VitalMetric[]];

/**
 * Device measurements that have a metric id and a UCUM unit but no LOINC code we could confirm
 * (docs/gatt.md says which codes were considered). They travel like vitals with `loinc: null`.
 */
export const DEVICE_MEASURES = {
  'energy-expended': { loinc: null, unit: 'kJ' },
  'rr-interval': { loinc: null, unit: 's' },
  'pulse-amplitude-index': { loinc: null, unit: '%' },
} as const satisfies Record<string, { loinc: null; unit: string }>;

export type DeviceMeasure = keyof typeof DEVICE_MEASURES;

/** Every metric a reading may carry: the vitals and the device measures. */
export type Measure = VitalMetric | DeviceMeasure;
export const MEASURE_IDS = [...VITAL_METRIC_IDS, ...Object.keys(DEVICE_MEASURES)] as [Measure, ...Measure[]];

/** The UCUM unit and LOINC code (null when there is none) of a metric. */
export function describeMeasure(metric: Measure): { unit: string; loinc: string | null } {
  return metric in VITAL_METRICS ? VITAL_METRICS[metric as VitalMetric] : DEVICE_MEASURES[metric as DeviceMeasure];
}
