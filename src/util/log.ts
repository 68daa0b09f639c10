// The logging port: pino loggers (server, CI) and Probot's context log satisfy it.
export interface Log {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}
