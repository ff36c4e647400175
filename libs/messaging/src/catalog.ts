import type { z } from 'zod';

/**
 * A message type as the system knows it: its schema version, the service that consumes it, and the
 * runtime schema of its payload. The catalog is the single map from type to payload type that both
 * producers and handlers compile against.
 */
export interface MessageDefinition<S extends z.ZodTypeAny = z.ZodTypeAny> {
  version: number;
  consumer: string;
  schema: S;
  description: string;
}

export type Catalog = Record<string, MessageDefinition>;

export function defineCatalog<C extends Catalog>(catalog: C): C {
  return catalog;
}

export type MessageTypeOf<C extends Catalog> = Extract<keyof C, string>;
export type PayloadOf<C extends Catalog, T extends keyof C> = z.infer<C[T]['schema']>;

/** Message types a given service must handle. */
export function typesConsumedBy(catalog: Catalog, service: string): string[] {
  return Object.entries(catalog)
    .filter(([, def]) => def.consumer === service)
    .map(([type]) => type)
    .sort();
}
