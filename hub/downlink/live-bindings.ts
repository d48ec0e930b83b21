/**
 * The bindings every part of the hub reads (transports, pipeline, panel), behind one reference that
 * a downlink swaps in one step (docs/downlink.md#applying). A lookup always sees one whole version,
 * never half of one; what was built for the previous version is simply no longer referenced.
 */
import type { DeviceDirectory } from '../devices.ts';
import { createDeviceDirectory } from '../devices.ts';
import type { DownlinkView } from './resolve-downlink.ts';

export interface LiveBindings {
  /** Device lookups by the current bindings: the device's room and resident come from here. */
  readonly devices: DeviceDirectory;
  /** Room names by the current bindings (for the panel). */
  readonly roomNames: ReadonlyMap<string, string>;
  residentName(residentId: string): string | undefined;
  current(): DownlinkView;
  swap(view: DownlinkView): void;
}

interface Built {
  view: DownlinkView;
  directory: DeviceDirectory;
}

function build(view: DownlinkView): Built {
  return { view, directory: createDeviceDirectory({ devices: [...view.devices] }) };
}

/** A ReadonlyMap that reads whichever map `current()` returns at the moment of the call. */
function delegatingMap<K, V>(current: () => ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  return {
    get: (key) => current().get(key),
    has: (key) => current().has(key),
    get size() {
      return current().size;
    },
    forEach: (fn, thisArg) => current().forEach(fn, thisArg),
    entries: () => current().entries(),
    keys: () => current().keys(),
    values: () => current().values(),
    [Symbol.iterator]: () => current()[Symbol.iterator](),
  };
}

export function createLiveBindings(initial: DownlinkView): LiveBindings {
  let built = build(initial);
  const devices: DeviceDirectory = {
    byId: (id) => built.directory.byId(id),
    byCallPoint: (receiverId, address) => built.directory.byCallPoint(receiverId, address),
    byFriendlyName: (name) => built.directory.byFriendlyName(name),
    modelOf: (device) => built.directory.modelOf(device),
    withTransport: (transport) => built.directory.withTransport(transport),
  };
  return {
    devices,
    roomNames: delegatingMap(() => built.view.roomNames),
    residentName: (residentId) => built.view.residentNames.get(residentId),
    current: () => built.view,
    swap(view) {
      // Built completely before the one assignment that makes it visible.
      built = build(view);
    },
  };
}
