/** The errno code of a file system error (`ENOENT`...), else the error's class name. */
export function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ?? (error instanceof Error ? error.name : 'unknown error');
}
