/**
 * Supervision intervals from the device models (docs/rules.md#supervision): a device whose model
 * says how often it reports is held to three of its intervals, unless the config names the device
 * in `rules.supervision.perDevice`, which always wins.
 */
import type { DeviceConfig } from '../config.ts';
import type { DeviceDirectory } from '../devices.ts';

/** Reports a device may miss in a row before it counts as silent: one lost frame is no outage. */
const MISSED_REPORTS = 3;

export function supervisionWithModelIntervals(
  ruleOptions: Readonly<Record<string, unknown>>,
  devices: readonly DeviceConfig[],
  directory: DeviceDirectory,
): Record<string, unknown> {
  const supervision = (ruleOptions.supervision ?? {}) as { perDevice?: Record<string, number | null> };
  const fromModels: Record<string, number> = {};
  for (const device of devices) {
    const interval = directory.modelOf(device)?.reportIntervalMs;
    if (interval !== undefined) fromModels[device.id] = interval * MISSED_REPORTS;
  }
  return { ...ruleOptions, supervision: { ...supervision, perDevice: { ...fromModels, ...supervision.perDevice } } };
}
