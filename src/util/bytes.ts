/** "64 MB", "1.5 MB", "98 KB": sizes as people read them in limits and errors. */
export function formatBytes(bytes: number): string {
  if (bytes >= 10 * 2 ** 20) return `${Math.round(bytes / 2 ** 20)} MB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
