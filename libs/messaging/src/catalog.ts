import type { z } from 'zod';

/**
 * The two parties of a case: the residence province (where the applicant applied, and where the
 * card is made and handed over) and the hukou province (which reviews and issues).
 */
export const Party = {
  RESIDENCE: 'residence',
  HUKOU: 'hukou',
  /**
   * Not a party of any case: the national operations node, the one fixed recipient of what a
   * province publishes about all its cases (statistics snapshots). Its address is NATIONAL_ADDRESS.
   */
  NATIONAL: 'national',
} as const;
export type Party = (typeof Party)[keyof typeof Party];

/**
 * The national operations node's name where a province code stands elsewhere: the "province" of its
 * address (queue `{ops.national}`) and its name in the keyring (`public/national.x25519.pem`: the
 * key provinces seal snapshots for).
 */
export const NATIONAL = 'national';
/** The address of the national operations node. */
export const NATIONAL_ADDRESS = { service: 'ops', province: NATIONAL } as const;

/** The province each party of one case is (only the parties a message involves are needed). */
export type CaseParties = Partial<Readonly<Record<Party, string>>>;

/**
 * A message type as the system knows it: its schema version, who may send it (which service of
 * which party of the case), who consumes it, the request it answers if it is a reply, and the
 * runtime schema of its payload. The catalog is the single map from type to payload type that both
 * producers and handlers compile against, and the one statement of who may say what.
 */
export interface MessageDefinition<S extends z.ZodTypeAny = z.ZodTypeAny> {
  version: number;
  /** The service that may send it, in the province of `producerParty` of the case. */
  producer: string;
  producerParty: Party;
  /**
   * The service that consumes it, in the province of `consumerParty` of the case (for
   * Party.NATIONAL: the national operations node, NATIONAL_ADDRESS).
   */
  consumer: string;
  consumerParty: Party;
  /** For a reply: the type of the request it answers (its `inReplyTo` must name one). */
  answers?: string;
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
