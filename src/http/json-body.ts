import { isUtf8 } from 'node:buffer';
import type { FastifyRequest } from 'fastify';
import { parse as parseLossless } from 'lossless-json';
import secureJson from 'secure-json-parse';
import { invalid, ParleyError } from '../model/errors.js';
import { exactIds } from './exact-ids.js';

const CURL_HINT = "send JSON: add -H 'Content-Type: application/json' to curl, or use curl --json";

const BOM = 0xfeff;

/**
 * A JSON number with more digits than a double holds exactly (a decimal point may sit among them): only
 * then is the slower exact parse needed.
 */
const LONG_NUMBER = /\d(?:\.?\d){15}/;

/**
 * Reads a request body as JSON. A missing Content-Type is read as JSON (curl users forget it); any other
 * declared type, or a charset other than UTF-8, is refused. Integers beyond 2^53 arrive as BigInt, and
 * ids among them as their exact digits, so that a 64-bit id sent as a JSON number keeps its exact value.
 */
export function parseJsonBody(request: FastifyRequest, body: Buffer): unknown {
  checkContentType(request.headers['content-type']);
  if (!isUtf8(body)) throw invalid('body is not valid UTF-8');
  // A byte order mark is allowed before JSON (RFC 8259 §8.1); both parsers below must see the same text.
  const decoded = body.toString('utf8');
  const text = decoded.charCodeAt(0) === BOM ? decoded.slice(1) : decoded;
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (text.trim() === '') throw invalid('body is empty: send a JSON object');
    const message = (error as Error).message;
    if (/prototype property/.test(message))
      throw invalid('body must not use the keys __proto__ or constructor.prototype');
    throw invalid(`body is not valid JSON: ${message}`);
  }
  if (!LONG_NUMBER.test(text)) return value;
  // Same meaning as JSON.parse (the last of duplicate keys wins), with integers kept exact; ids among them
  // become their exact digits.
  try {
    return exactIds(
      parseLossless(text, null, { parseNumber: exactNumber, onDuplicateKey: ({ newValue }) => newValue }),
    );
  } catch (error) {
    if (error instanceof ParleyError) throw error;
    // This parser recurses: nesting that JSON.parse reads can overflow its stack.
    if (error instanceof RangeError) throw invalid('body is nested too deeply: send a flatter JSON object');
    throw invalid(`body is not valid JSON: ${(error as Error).message}`);
  }
}

/** A JSON number literal, split into sign, digits (integer and fraction together) and exponent. */
const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** No id has more digits than this; a longer integer is beyond every id whatever its exact value. */
const MOST_ID_DIGITS = 20;

/**
 * The number a literal writes, exactly when it is an integer beyond 2^53 of at most 20 digits, however it
 * is written (`1234567890123456789`, `1234567890123456789.0`, `1.234567890123456789e18`): such a literal
 * may be an id. A fraction that a double would round away is refused. Anything else is the double
 * JSON.parse would give.
 */
function exactNumber(literal: string): number | bigint {
  const number = Number(literal);
  if (!Number.isInteger(number) || Number.isSafeInteger(number)) return number;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = NUMBER.exec(literal) ?? [];
  const shift = Number(exponent) - fraction.length;
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '');
  if (shift < 0) {
    // Only zeros may fall after the decimal point. The double of anything else was rounded to an integer,
    // which a schema would take for one; every number the API takes is an integer.
    if (!/^0+$/.test(digits.slice(shift))) throw invalid(`${literal} is not an integer: every number here is one`);
    return exactInteger(sign, digits.slice(0, shift), number);
  }
  return exactInteger(sign, digits + '0'.repeat(Math.min(shift, MOST_ID_DIGITS + 1)), number);
}

const exactInteger = (sign: string, digits: string, rounded: number): number | bigint =>
  digits.length > MOST_ID_DIGITS ? rounded : BigInt(`${sign}${digits}`);

function checkContentType(header: string | undefined): void {
  // What nearly every client sends, settled without splitting the header.
  if (header === undefined || header === 'application/json') return;
  const [mediaType = '', ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw new ParleyError('unsupported_media_type', `Content-Type ${header} is not JSON; ${CURL_HINT}`);
  }
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && !['utf-8', 'utf8', '"utf-8"'].includes(charset)) {
    throw new ParleyError('unsupported_media_type', `charset ${charset} is not supported: send UTF-8 JSON`);
  }
}
