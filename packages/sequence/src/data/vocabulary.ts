import { checkOneOf, checkOptions, InputError } from '@tiefe/core';

/** Characters or words. */
export type VocabularyLevel = 'char' | 'word';

/** The JSON form of a {@link Vocabulary} (`vocab.toJSON()`, `Vocabulary.fromJSON`). */
export interface VocabularyJSON {
  format: 'tiefe-vocabulary';
  version: 1;
  level: VocabularyLevel;
  /** Tokens in id order; ids 0 and 1 are the padding and the unknown token. */
  tokens: string[];
}

/** Options of {@link Vocabulary.build}. */
export interface VocabularyOptions {
  /** `'char'` (default) or `'word'` (split on whitespace). */
  level?: VocabularyLevel;
  /** Keep only the most frequent tokens, this many (the reserved two not counted); default all. */
  maxTokens?: number;
}

/** Options of {@link Vocabulary.encode}. */
export interface EncodeOptions {
  /** A token not in the vocabulary: `'unknown'` (default) maps it to id 1, `'error'` throws. */
  onUnknown?: 'unknown' | 'error';
}

/**
 * A token <-> id table for characters or words. Id 0 is padding (`PAD`, what {@link padSequences} fills in and an
 * embedding with `maskZero` masks), id 1 the unknown token (`UNK`); real tokens follow, most frequent first
 * (ties in first-seen order). Saves to and loads from JSON.
 *
 * @example
 * const v = Vocabulary.build(['hello world']);
 * v.decode(v.encode('hold')); // 'hold'
 */
export class Vocabulary {
  /** Id of padding. */
  static readonly PAD = 0;
  /** Id of the unknown token. */
  static readonly UNK = 1;
  /** Characters or words. */
  readonly level: VocabularyLevel;
  /** Tokens in id order (0: `'<pad>'`, 1: `'<unk>'`). */
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(level: VocabularyLevel, tokens: string[]) {
    this.level = level;
    this.tokens = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Builds a vocabulary from texts. */
  static build(texts: string[], options: VocabularyOptions = {}): Vocabulary {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
      throw new InputError('Vocabulary.build: texts', 'an array of strings', String(texts));
    }
    const o = checkOptions('Vocabulary.build: options', options);
    const level = checkOneOf('Vocabulary.build: level', o.level ?? 'char', ['char', 'word'] as const);
    const counts = new Map<string, number>();
    for (const text of texts) for (const tok of split(level, text)) counts.set(tok, (counts.get(tok) ?? 0) + 1);
    let tokens = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t);
    if (o.maxTokens !== undefined) {
      if (!Number.isInteger(o.maxTokens) || o.maxTokens < 1) {
        throw new InputError('Vocabulary.build: maxTokens', 'an integer >= 1', String(o.maxTokens));
      }
      tokens = tokens.slice(0, o.maxTokens);
    }
    return new Vocabulary(level, ['<pad>', '<unk>', ...tokens]);
  }

  /** Loads a vocabulary saved with {@link Vocabulary.toJSON} (an object or its JSON text). */
  static fromJSON(json: VocabularyJSON | string): Vocabulary {
    let obj: VocabularyJSON;
    try {
      obj = typeof json === 'string' ? JSON.parse(json) : json;
    } catch (e) {
      throw new InputError('Vocabulary.fromJSON: json', 'JSON text', `unparsable text (${(e as Error).message})`);
    }
    const ok =
      obj?.format === 'tiefe-vocabulary' &&
      obj.version === 1 &&
      (obj.level === 'char' || obj.level === 'word') &&
      Array.isArray(obj.tokens) &&
      obj.tokens.length >= 2 &&
      obj.tokens.every((t) => typeof t === 'string') &&
      new Set(obj.tokens).size === obj.tokens.length;
    if (!ok)
      throw new InputError(
        'Vocabulary.fromJSON: json',
        'a tiefe-vocabulary version 1 object with unique tokens',
        JSON.stringify(obj)?.slice(0, 80) ?? String(obj),
      );
    return new Vocabulary(obj.level, [...obj.tokens]);
  }

  /** Number of ids (including padding and unknown). */
  get size(): number {
    return this.tokens.length;
  }

  /** The tokens of a text at this vocabulary's level. */
  tokenize(text: string): string[] {
    return split(this.level, text);
  }

  /** Id of one token (1 for an unknown one, or an error with `onUnknown: 'error'`). */
  id(token: string, options: EncodeOptions = {}): number {
    const id = this.ids.get(token);
    if (id !== undefined && id > 1) return id;
    if (options.onUnknown === 'error') {
      throw new InputError(
        'Vocabulary.encode: text',
        `tokens of the vocabulary (${this.size - 2} known)`,
        JSON.stringify(token),
      );
    }
    return Vocabulary.UNK;
  }

  /** Ids of a text. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new InputError('Vocabulary.encode: text', 'a string', String(text));
    checkOneOf('Vocabulary.encode: onUnknown', options.onUnknown ?? 'unknown', ['unknown', 'error'] as const);
    return this.tokenize(text).map((t) => this.id(t, options));
  }

  /** Text of ids (padding dropped; words joined by single spaces). */
  decode(ids: ArrayLike<number>): string {
    const out: string[] = [];
    for (const id of Array.from(ids)) {
      if (!Number.isInteger(id) || id < 0 || id >= this.size) {
        throw new InputError('Vocabulary.decode: ids', `integers in [0, ${this.size - 1}]`, String(id));
      }
      if (id !== Vocabulary.PAD) out.push(this.tokens[id]);
    }
    return out.join(this.level === 'word' ? ' ' : '');
  }

  /** The JSON form (`JSON.stringify(vocab)` uses it). */
  toJSON(): VocabularyJSON {
    return { format: 'tiefe-vocabulary', version: 1, level: this.level, tokens: [...this.tokens] };
  }
}

function split(level: VocabularyLevel, text: string): string[] {
  return level === 'char' ? Array.from(text) : text.split(/\s+/).filter((w) => w.length > 0);
}
