// Sizes in the units the add-on's settings use: "10 GiB", "1.5 MiB".

const KIB = 1024;
export const MIB = KIB * 1024;
const GIB = MIB * 1024;

/** A size in binary units, at most one decimal: "10 GiB", "1.5 MiB", "12 B". */
export function formatSize(bytes) {
  for (const [unit, factor] of [
    ['GiB', GIB],
    ['MiB', MIB],
    ['KiB', KIB],
  ]) {
    if (bytes >= factor) {
      const value = bytes / factor;
      const digits = Number.isInteger(value) || value >= 100 ? 0 : 1;
      return `${value.toFixed(digits)} ${unit}`;
    }
  }
  return `${bytes} B`;
}
