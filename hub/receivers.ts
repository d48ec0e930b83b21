/** Serial call-point receivers from the config, each feeding the pipeline. */
import type { CallPointObservation } from '../drivers/types.ts';
import { getDeviceDefinition } from '../drivers/index.ts';
import { createCallReceiver, type CallReceiver } from '../drivers/serial/call-receiver.ts';
import type { SerialBinding } from '../drivers/serial/serialport-binding.ts';
import type { Clock } from './clock.ts';
import type { ReceiverConfig } from './config.ts';
import type { DeviceDirectory } from './devices.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Pipeline } from './pipeline.ts';

export interface ReceiverSetOptions {
  receivers: readonly ReceiverConfig[];
  binding: SerialBinding;
  devices: DeviceDirectory;
  pipeline: Pipeline;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export class ReceiverSet {
  /** running drivers, keyed by receiver id */
  private readonly drivers = new Map<string, CallReceiver>();

  constructor(private readonly options: ReceiverSetOptions) {}

  async start(): Promise<void> {
    const { metrics } = this.options;
    for (const receiver of this.options.receivers) {
      const logger = this.options.logger.child({ module: 'receiver', receiver: receiver.id });
      const driver = createCallReceiver({
        portId: receiver.id,
        device: getDeviceDefinition(receiver.model), // the config schema only admits registered serial models
        binding: this.options.binding,
        match: receiver.path ? { path: receiver.path } : { ...receiver.match },
        baudRate: receiver.baudRate,
        ...(receiver.idleReopenMs && { idleReopenMs: receiver.idleReopenMs }),
        clock: this.options.clock,
        logger,
        onFrame: (observation) => this.handle(receiver, observation),
        onStatus: (status, detail) => logger.info({ status, detail }, 'receiver port status'),
      });
      this.drivers.set(receiver.id, driver);
      await driver.start();
    }
    metrics.define('serial_frames_total', 'counter', 'Good frames read from serial receivers', () =>
      [...this.drivers].map(([id, d]) => [{ receiver: id }, d.stats.framesOk]),
    );
    metrics.define('serial_rejected_total', 'counter', 'Serial input rejected, by reason', () =>
      [...this.drivers].flatMap(([id, d]) => Object.entries(d.stats.rejected).map(([code, n]) => [{ receiver: id, code }, n] as [Record<string, string>, number])),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((d) => d.stop()));
    this.drivers.clear();
  }

  private handle(receiver: ReceiverConfig, { frame }: CallPointObservation): void {
    const { pipeline, devices, logger } = this.options;
    if (frame.receiver !== receiver.address) {
      return pipeline.reject('serial', 'unknown-receiver', { receiver: receiver.id, address: frame.receiver });
    }
    const device = devices.byCallPoint(receiver.id, frame.callPoint);
    if (!device) return pipeline.reject('serial', 'unknown-call-point', { receiver: receiver.id, callPoint: frame.callPoint });
    pipeline
      .callPoint(device, { event: frame.event, deviceSeq: frame.seq, battery: frame.battery, via: 'serial' })
      .catch((err: unknown) => logger.error({ err, deviceId: device.id }, 'call-point event could not be stored'));
  }
}
