/**
 * The BLE transport (docs/ble.md, docs/devices.md#ble): one BLE driver for every device with a `ble`
 * section, each value through its model's converter to the one pipeline entry. Without BLE devices
 * the adapter is never opened; without an adapter the hub runs on and says so in its metrics.
 */
import type { OpenBleCentral } from '../../drivers/ble/ble-central.ts';
import { createBleDriver, type BleDriver, type BleReading } from '../../drivers/ble/ble-driver.ts';
import { openNobleCentral } from '../../drivers/ble/noble-central.ts';
import { InputRejected, type BleDeviceDefinition } from '../../drivers/device-definition.ts';
import { parseGattUuid } from '../../protocols/gatt/index.ts';
import type { Clock } from '../clock.ts';
import type { DeviceDirectory } from '../devices.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Pipeline } from '../pipeline.ts';

export interface BleTransportOptions {
  devices: DeviceDirectory;
  pipeline: Pipeline;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** The adapter: noble on a hub (drivers/ble/noble-central.ts), a simulated central in tests. */
  openCentral?: OpenBleCentral;
  /** How long to wait for the adapter to power on before reporting it missing. */
  poweredOnTimeoutMs: number;
}

const ADAPTER_STATES = ['no-adapter', 'powered-off', 'ready'] as const;

export class BleTransport {
  private driver: BleDriver | null = null;

  constructor(private readonly options: BleTransportOptions) {}

  /** The driver's status, or null when no device uses BLE. */
  get status() {
    return this.driver?.status ?? null;
  }

  async start(): Promise<void> {
    const { devices, logger, metrics } = this.options;
    const bound = devices.withTransport('ble').flatMap(({ device, model }) => (device.ble ? [{ id: device.id, address: device.ble.address, profile: model.profile }] : []));
    if (bound.length === 0) return;
    const log = logger.child({ module: 'ble' });
    let lastDetail = '';
    this.driver = createBleDriver({
      devices: bound,
      openCentral: this.options.openCentral ?? (() => openNobleCentral({ logger: log, poweredOnTimeoutMs: this.options.poweredOnTimeoutMs })),
      onReadings: (reading) => this.handle(reading),
      onStatus: (status) => {
        if (status.detail === lastDetail) return;
        lastDetail = status.detail;
        (status.adapter === 'ready' ? log.info.bind(log) : log.warn.bind(log))({ adapter: status.adapter, detail: status.detail }, 'BLE adapter status');
      },
      logger: log,
      clock: this.options.clock,
    });
    const driver = this.driver;
    metrics.define('ble_adapter', 'gauge', 'BLE adapter state: 1 on the current one of no-adapter, powered-off, ready', () =>
      ADAPTER_STATES.map((state) => [{ state }, driver.status.adapter === state ? 1 : 0] as [Record<string, string>, number]),
    );
    metrics.define('ble_devices_connected', 'gauge', 'Bound BLE devices with a link up', () => driver.status.devices.filter((d) => d.state === 'connected').length);
    metrics.define('ble_values_total', 'counter', 'GATT values decoded from BLE devices', () => driver.stats.valuesDecoded);
    metrics.define('ble_rejected_total', 'counter', 'GATT values from BLE devices that did not decode, by reason', () =>
      Object.entries(driver.stats.rejected).map(([code, n]) => [{ code }, n] as [Record<string, string>, number]),
    );
    metrics.define('ble_reconnects_total', 'counter', 'BLE links established again after a drop', () => driver.stats.reconnects);
    await driver.start();
  }

  async stop(): Promise<void> {
    await this.driver?.stop();
    this.driver = null;
  }

  private handle({ deviceId, characteristic, decoded }: BleReading): void {
    const { devices, pipeline, logger } = this.options;
    const device = devices.byId(deviceId);
    // The driver reports only the bound devices this transport gave it, each with a BLE model.
    if (!device) return;
    const model = devices.modelOf(device) as BleDeviceDefinition;
    let inputs;
    try {
      inputs = model.convert(parseGattUuid(characteristic) ?? -1, decoded);
    } catch (err) {
      if (!(err instanceof InputRejected)) throw err;
      return pipeline.reject('ble', err.code, { deviceId, characteristic, error: err.message });
    }
    for (const input of inputs) {
      pipeline.ingest(device, input, 'ble').catch((err: unknown) => logger.error({ err, deviceId }, 'BLE input could not be stored'));
    }
  }
}
