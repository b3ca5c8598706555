/** Python's str(datetime) for a naive UTC datetime: `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
export function pyDatetime(d: Date | null | undefined): string | null {
  if (!d) return null;
  const iso = d.toISOString(); // 2024-01-02T03:04:05.678Z
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const ms = d.getUTCMilliseconds();
  return ms ? `${base}.${String(ms * 1000).padStart(6, '0')}` : base;
}

/** oslo's isotime with microseconds: `YYYY-MM-DDTHH:MM:SS.ffffff` (services, actions). */
export function isoMicro(d: Date | null | undefined): string | null {
  if (!d) return null;
  const iso = d.toISOString();
  return `${iso.slice(0, 19)}.${String(d.getUTCMilliseconds() * 1000).padStart(6, '0')}`;
}

export function links(base: string, collection: string, id: string) {
  return [
    { href: `${base}/v1/${collection}/${id}`, rel: 'self' },
    { href: `${base}/${collection}/${id}`, rel: 'bookmark' },
  ];
}
