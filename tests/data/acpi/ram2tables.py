#!/usr/bin/env python3
"""Turn a guest RAM dump (QEMU monitor: pmemsave 0 SIZE "file") taken after
the firmware has installed its ACPI tables into tables.bin (see README.md).

    ram2tables.py RAMDUMP OUT/tables.bin
"""
import struct
import sys


def main():
    ram = open(sys.argv[1], 'rb').read()

    def find_rsdp():
        ebda = struct.unpack_from('<H', ram, 0x40E)[0] << 4
        windows = [(ebda, 1024)] if 0x400 < ebda < 0xA0000 else []
        for base, size in windows + [(0xE0000, 0x20000)]:
            for a in range(base, base + size - 20 + 1, 16):
                if ram[a:a + 8] == b'RSD PTR ' and sum(ram[a:a + 20]) % 256 == 0:
                    return a
        sys.exit('no RSDP')

    recs = []
    seen = set()

    def table(phys):
        if phys in seen or phys == 0 or phys + 36 > len(ram):
            return None
        seen.add(phys)
        n = struct.unpack_from('<I', ram, phys + 4)[0]
        recs.append((phys, ram[phys:phys + n]))
        return ram[phys:phys + n]

    r = find_rsdp()
    rev = ram[r + 15]
    rlen = struct.unpack_from('<I', ram, r + 20)[0] if rev >= 2 else 20
    recs.append((r, ram[r:r + rlen]))
    roots = [(struct.unpack_from('<I', ram, r + 16)[0], 4)]
    if rev >= 2:
        roots.append((struct.unpack_from('<Q', ram, r + 24)[0], 8))
    for phys, esz in roots:
        t = table(phys)
        if not t:
            continue
        for off in range(36, len(t) - esz + 1, esz):
            e = int.from_bytes(t[off:off + esz], 'little')
            sub = table(e)
            if sub and sub[:4] == b'FACP':
                dsdt = struct.unpack_from('<I', sub, 40)[0]
                if len(sub) >= 148 and struct.unpack_from('<Q', sub, 140)[0]:
                    dsdt = struct.unpack_from('<Q', sub, 140)[0]
                table(dsdt)
    with open(sys.argv[2], 'wb') as f:
        for phys, data in recs:
            f.write(struct.pack('<QI', phys, len(data)) + data)
    for phys, data in recs:
        print('%#010x %5d %s' % (phys, len(data), data[:8] if data[:4] == b'RSD ' else data[:4]))


main()
