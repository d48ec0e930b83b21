import t from 'tap';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listByIdDir, resolvePortPath, type PortInfo } from '../../drivers/serial/serialport-binding.ts';

// A listing as udevadm gives it on a Pi with two identical FTDI receivers and a CP2102 modem.
const ports: PortInfo[] = [
  { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'A10K1XYZ', pnpId: 'usb-FTDI_FT232R_USB_UART_A10K1XYZ-if00-port0' },
  { path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001', serialNumber: 'A10K2QRS', pnpId: 'usb-FTDI_FT232R_USB_UART_A10K2QRS-if00-port0' },
  { path: '/dev/ttyUSB2', vendorId: '10c4', productId: 'ea60', serialNumber: '0001' },
  { path: '/dev/ttyAMA0' },
];

t.test('resolvePortPath', async (t) => {
  // serial number picks one of two identical bridges, and the stable by-id link is returned
  t.match(resolvePortPath({ vendorId: '0403', productId: '6001', serialNumber: 'A10K2QRS' }, ports), {
    ok: true,
    path: '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K2QRS-if00-port0',
  });
  // ids compare as hex: 0x prefix and case do not matter
  t.match(resolvePortPath({ vendorId: '0x10C4', productId: 'EA60' }, ports), { ok: true, path: '/dev/ttyUSB2' });
  // two bridges match vendor/product only: refuse to guess
  t.match(resolvePortPath({ vendorId: '0403', productId: '6001' }, ports), { ok: false, code: 'ambiguous' });
  t.match(resolvePortPath({ vendorId: '0403', serialNumber: 'nope' }, ports), { ok: false, code: 'no-match' });
  // an explicit path is used as is, listed or not (a PTY, a by-id link)
  t.match(resolvePortPath({ path: '/tmp/x/ttyHUB' }, []), { ok: true, path: '/tmp/x/ttyHUB' });
  t.match(resolvePortPath({ path: '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1XYZ-if00-port0' }, ports), {
    ok: true,
    info: { path: '/dev/ttyUSB0' },
  });
  // path and ids together must agree
  t.match(resolvePortPath({ path: '/dev/ttyUSB0', serialNumber: 'A10K2QRS' }, ports), { ok: false, code: 'no-match' });
  t.match(resolvePortPath({}, ports), { ok: false, code: 'empty-match' });
});

t.test('listByIdDir reads udev links and USB ids from sysfs', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'carehub-byid-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  // Fake /dev, /dev/serial/by-id and /sys/class/tty/ttyUSB0/device → .../1-1.2/1-1.2:1.0
  const dev = join(root, 'dev');
  const byId = join(root, 'by-id');
  const usbDevice = join(root, 'sys', 'devices', 'usb1', '1-1.2');
  const usbInterface = join(usbDevice, '1-1.2:1.0');
  const ttyClass = join(root, 'sys', 'class', 'tty', 'ttyUSB0');
  await Promise.all([mkdir(dev, { recursive: true }), mkdir(byId, { recursive: true }), mkdir(usbInterface, { recursive: true }), mkdir(ttyClass, { recursive: true })]);
  await writeFile(join(dev, 'ttyUSB0'), '');
  await writeFile(join(usbDevice, 'idVendor'), '0403\n');
  await writeFile(join(usbDevice, 'idProduct'), '6001\n');
  await writeFile(join(usbDevice, 'serial'), 'A10K1XYZ\n');
  await symlink(usbInterface, join(ttyClass, 'device'));
  await symlink(join(dev, 'ttyUSB0'), join(byId, 'usb-FTDI_FT232R_USB_UART_A10K1XYZ-if00-port0'));
  await symlink(join(dev, 'gone'), join(byId, 'usb-dangling')); // device left mid-listing

  const listed = await listByIdDir(byId, join(root, 'sys', 'class', 'tty'));
  t.same(listed, [
    { path: join(dev, 'ttyUSB0'), pnpId: 'usb-FTDI_FT232R_USB_UART_A10K1XYZ-if00-port0', vendorId: '0403', productId: '6001', serialNumber: 'A10K1XYZ' },
  ]);
  t.same(await listByIdDir(join(root, 'missing')), [], 'no by-id folder: empty list, no throw');
});
