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
} as const satisfies Record<string, { loinc: string; unit: string }>;

export type VitalMetric = keyof typeof VITAL_METRICS;
export const VITAL_METRIC_IDS = Object.keys(VITAL_METRICS) as [VitalMetric, ...VitalMetric[]];
