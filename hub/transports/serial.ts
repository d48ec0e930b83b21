/**
 * The serial transport (docs/devices.md#serial): one driver per port, for call-point receivers and
 * for devices on their own port, each running its model's stream. Outputs go to the one pipeline
 * entry; a receiver's outputs are routed to the call point they name.
 */
import type { DeviceOutput, LineSettings, SerialDeviceDefinition } from '../../drivers/device-definition.ts';
import { getDeviceDefinition } from '../../drivers/index.ts';
import type { SerialBinding } from '../../drivers/serial/serialport-binding.ts';
import { createSerialDevice, type SerialDevice } from '../../drivers/serial/serial-device.ts';
import type { Clock } from '../clock.ts';
import type { DeviceConfig, ReceiverConfig } from '../config.ts';
import type { DeviceDirectory } from '../devices.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Pipeline } from '../pipeline.ts';

export interface SerialTransportOptions {
  receivers: readonly ReceiverConfig[];
  binding: SerialBinding;
  devices: DeviceDirectory;
  pipeline: Pipeline;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

/** A port's config fields, receiver or device alike. */
type PortConfig = Partial<LineSettings> & {
  path?: string | undefined;
  match?: { vendorId?: string | undefined; productId?: string | undefined; serialNumber?: string | undefined } | undefined;
  idleReopenMs?: number | undefined;
};

export class SerialTransport {
  /** running drivers, keyed by receiver or device id */
  private readonly drivers = new Map<string, SerialDevice>();

  constructor(private readonly options: SerialTransportOptions) {}

  async start(): Promise<void> {
    const { metrics } = this.options;
    for (const receiver of this.options.receivers) {
      // The config schema only admits registered relaying serial models.
      const model = getDeviceDefinition(receiver.model) as SerialDeviceDefinition;
      await this.open(receiver.id, model, receiver, (outputs) => this.routeFromReceiver(receiver, outputs));
    }
    for (const { device, model } of this.options.devices.withTransport('serial')) {
      if (!device.serial) continue; // call points behind receivers have no port of their own
      await this.open(device.id, model, device.serial, (outputs) => this.ingest(device, outputs));
    }
    metrics.define('serial_port_open', 'gauge', 'Serial ports open now (1) or closed, opening or failing (0), by receiver or device id', () =>
      [...this.drivers].map(([id, d]) => [{ receiver: id }, d.status === 'open' ? 1 : 0] as [Record<string, string>, number]),
    );
    metrics.define('serial_reopens_total', 'counter', 'Serial ports opened again after a close, an error or silence, by receiver or device id', () =>
      [...this.drivers].map(([id, d]) => [{ receiver: id }, d.stats.reopens] as [Record<string, string>, number]),
    );
    metrics.define('serial_frames_total', 'counter', 'Good frames read from serial ports, by receiver or device id', () =>
      [...this.drivers].map(([id, d]) => [{ receiver: id }, d.stats.framesOk]),
    );
    metrics.define('serial_rejected_total', 'counter', 'Serial input rejected by the framer or decoder, by port and reason', () =>
      [...this.drivers].flatMap(([id, d]) => Object.entries(d.stats.rejected).map(([code, n]) => [{ receiver: id, code }, n] as [Record<string, string>, number])),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((d) => d.stop()));
    this.drivers.clear();
  }

  private async open(id: string, model: SerialDeviceDefinition, port: PortConfig, onOutputs: (outputs: DeviceOutput[]) => void): Promise<void> {
    const logger = this.options.logger.child({ module: 'serial', port: id });
    const line: Partial<LineSettings> = {};
    if (port.baudRate !== undefined) line.baudRate = port.baudRate;
    if (port.dataBits !== undefined) line.dataBits = port.dataBits;
    if (port.parity !== undefined) line.parity = port.parity;
    if (port.stopBits !== undefined) line.stopBits = port.stopBits;
    const driver = createSerialDevice({
      portId: id,
      device: model,
      binding: this.options.binding,
      match: port.path ? { path: port.path } : { ...port.match },
      line,
      ...(port.idleReopenMs && { idleReopenMs: port.idleReopenMs }),
      clock: this.options.clock,
      logger,
      onOutputs,
      onStatus: (status, detail) => logger.info({ status, detail }, 'serial port status'),
    });
    this.drivers.set(id, driver);
    await driver.start();
  }

  private routeFromReceiver(receiver: ReceiverConfig, outputs: DeviceOutput[]): void {
    const { pipeline, devices } = this.options;
    for (const output of outputs) {
      if (output.relayAddress !== receiver.address) {
        pipeline.reject('serial', 'unknown-receiver', { receiver: receiver.id, address: output.relayAddress });
        continue;
      }
      const device = output.address === undefined ? undefined : devices.byCallPoint(receiver.id, output.address);
      if (!device) {
        pipeline.reject('serial', 'unknown-call-point', { receiver: receiver.id, callPoint: output.address });
        continue;
      }
      this.ingest(device, [output]);
    }
  }

  private ingest(device: DeviceConfig, outputs: DeviceOutput[]): void {
    for (const { input } of outputs) {
      this.options.pipeline
        .ingest(device, input, 'serial')
        .catch((err: unknown) => this.options.logger.error({ err, deviceId: device.id }, 'serial input could not be stored'));
    }
  }
}
