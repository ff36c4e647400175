import { Matches } from 'class-validator';

/**
 * Character rules for text the clerk types. Strings are stored and returned as data (parameterised
 * SQL, JSON responses), so quotes, semicolons or "--" are harmless and accepted; these rules refuse
 * what has no place in the field and would otherwise fail later (PostgreSQL refuses NUL in text
 * and jsonb: a 500 instead of a 400) or surprise a consumer that prints it.
 */

/** A UTF-16 code unit that is not half of a surrogate pair (it cannot be stored as UTF-8). */
const WELL_FORMED = '(?:[\\ud800-\\udbff][\\udc00-\\udfff])';

/**
 * Names, ethnicity, relation, addresses, postal recipient: printed on a card or a parcel label.
 * No control characters and no markup characters (< >): no name or address needs them.
 */
export const PLAIN_TEXT = new RegExp(
  `^(?:[^\\u0000-\\u001f\\u007f<>\\ud800-\\udfff]|${WELL_FORMED})*$`,
);

/**
 * Free text (reasons, notes): anything printable, including < and > (kept verbatim and returned
 * only as JSON data), line breaks and tabs; no other control characters.
 */
export const FREE_TEXT = new RegExp(
  `^(?:[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\ud800-\\udfff]|${WELL_FORMED})*$`,
);

export const PlainText = () =>
  Matches(PLAIN_TEXT, {
    message: '$property must be plain text: no control characters and no < or >',
  });

export const FreeText = () =>
  Matches(FREE_TEXT, { message: '$property must not contain control characters' });
