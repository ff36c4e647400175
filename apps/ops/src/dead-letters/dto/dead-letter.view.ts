import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { DeadLetterReason } from '@app/messaging';
import type { MaskedAddress, MaskedEnvelope, MaskedPayload } from '../../common/masking';
import type {
  DeadLetterPage,
  DeadLetterView,
  ReplayResponse,
  SchemaDeadLetters,
} from '../dead-letters.service';
import { DEAD_LETTER_SCHEMAS } from './dead-letter.dto';

/**
 * OpenAPI shapes of the dead-letter answers (dead-letters.service.ts, masking.ts); `implements`
 * keeps them in step. Envelope fields are plain strings: a dead letter may be a malformed message.
 */
export class MaskedAddressView implements MaskedAddress {
  @ApiProperty({ type: String, nullable: true }) province!: string | null;
  @ApiProperty({ type: String, nullable: true }) service!: string | null;
}

export class MaskedPayloadView implements MaskedPayload {
  @ApiProperty({ type: [String], description: 'Top-level payload field names, in order' })
  fields!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      oneOf: [{ type: 'string', nullable: true }, { type: 'number' }, { type: 'boolean' }],
    },
    description: 'Values of the fields that identify nobody (round, outcome, times…)',
  })
  safe!: Record<string, string | number | boolean | null>;
  @ApiProperty({ type: [String], description: 'Fields whose values are withheld' })
  withheld!: string[];
}

export class InReplyToView {
  @ApiProperty({ type: String, nullable: true }) messageId!: string | null;
}

export class MaskedEnvelopeView implements MaskedEnvelope {
  @ApiProperty({ description: 'false when the stored value was not even an object' })
  isObject!: boolean;
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
  @ApiProperty({ type: String, nullable: true }) type!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) schemaVersion!: number | null;
  @ApiProperty({ type: String, nullable: true }) caseId!: string | null;
  @ApiProperty({ type: String, nullable: true }) correlationId!: string | null;
  @ApiProperty({ type: String, nullable: true }) causationId!: string | null;
  @ApiProperty({ type: MaskedAddressView, nullable: true }) sender!: MaskedAddressView | null;
  @ApiProperty({ type: MaskedAddressView, nullable: true }) recipient!: MaskedAddressView | null;
  @ApiProperty({ type: String, nullable: true }) sentAt!: string | null;
  @ApiProperty({ type: InReplyToView, nullable: true }) inReplyTo!: InReplyToView | null;
  @ApiProperty() signed!: boolean;
  @ApiProperty({ type: MaskedPayloadView, nullable: true }) payload!: MaskedPayloadView | null;
  @ApiProperty({ type: [String], description: 'Unknown top-level fields (names only)' })
  otherFields!: string[];
}

export class DeadLetterItemView implements DeadLetterView {
  @ApiProperty({ enum: DEAD_LETTER_SCHEMAS }) schema!: string;
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) messageId!: string | null;
  @ApiProperty() queue!: string;
  @ApiProperty({ type: String, nullable: true }) type!: string | null;
  @ApiProperty({ type: String, nullable: true }) caseId!: string | null;
  @ApiProperty({ enum: Object.values(DeadLetterReason) }) reason!: string;
  @ApiProperty() error!: string;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: 'integer' }) replayCount!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) replayedAt!: string | null;
  @ApiProperty({ type: MaskedEnvelopeView }) envelope!: MaskedEnvelopeView;
}

export class SchemaDeadLettersView implements SchemaDeadLetters {
  @ApiProperty({ enum: DEAD_LETTER_SCHEMAS }) schema!: string;
  @ApiProperty({ description: 'false when this database has no such schema' }) available!: boolean;
  @ApiProperty({ type: 'integer' }) matching!: number;
  @ApiProperty({ type: 'integer' }) unreplayed!: number;
}

export class DeadLetterPageView implements DeadLetterPage {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: 'integer' }) limit!: number;
  @ApiProperty({ type: 'integer' }) offset!: number;
  @ApiProperty({ type: [SchemaDeadLettersView] }) bySchema!: SchemaDeadLettersView[];
  @ApiProperty({ type: [DeadLetterItemView] }) items!: DeadLetterItemView[];
}

export class ReplayedView {
  @ApiProperty({ enum: DEAD_LETTER_SCHEMAS }) schema!: string;
  @ApiProperty() id!: string;
  @ApiProperty({ enum: [true] }) ok!: true;
  @ApiProperty({ type: 'integer' }) replayCount!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) replayedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The recipient's queue" })
  queue!: string | null;
  @ApiProperty({ type: String, nullable: true }) caseId!: string | null;
}

export class NotReplayedView {
  @ApiProperty({ enum: DEAD_LETTER_SCHEMAS }) schema!: string;
  @ApiProperty() id!: string;
  @ApiProperty({ enum: [false] }) ok!: false;
  @ApiProperty({ type: 'integer', enum: [404, 422, 500, 503] }) status!: number;
  @ApiProperty() error!: string;
}

export class ReplayResponseView implements ReplayResponse {
  @ApiProperty({ type: 'integer' }) replayed!: number;
  @ApiProperty({ type: 'integer' }) failed!: number;
  @ApiProperty({
    type: 'array',
    items: {
      oneOf: [{ $ref: getSchemaPath(ReplayedView) }, { $ref: getSchemaPath(NotReplayedView) }],
    },
  })
  results!: (ReplayedView | NotReplayedView)[];
}
