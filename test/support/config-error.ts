import { ConfigError, loadConfig } from '../../src/config';

/** The ConfigError loadConfig throws for this environment (fails the test if it does not throw one). */
export function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
