/**
 * Serial device codecs (docs/serial-devices.md): each a framer (bytes → whole frames, counting what
 * it rejects by code) and a decoder (frame → readings and states), plus the encoders firmware-sim
 * uses. Pure: no I/O, no timers, no Node Buffer.
 */
export { SerialFramer, type Framer, type FrameSpec, type FrameCheck, type FramerOptions, type CommonRejectCode } from './framer.ts';
export { SerialDecodeError, SERIAL_ERROR_CODES, type SerialErrorCode } from './errors.ts';
export { reading, type SerialReading, type SerialState, type SerialMetric, type DeviceStatus, type MotionState } from './readings.ts';
export * from './cms50-legacy.ts';
export * from './cms50-v7.ts';
export * from './cms50.ts';
export * from './seeed-radar.ts';
export * from './ld2410.ts';
