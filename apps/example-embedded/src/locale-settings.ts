/** The app's own configuration a change handler needs: which locales its product pages exist in. */
export class LocaleSettings {
  constructor(
    /** Locales product pages are rendered and cached in, for example `['en', 'fr', 'de']`. */
    readonly locales: readonly string[],
    /** Prefix of every cache key this app writes. */
    readonly keyPrefix: string,
  ) {}

  /** The cache key of one product page in one locale. */
  productPageKey(id: string, locale: string): string {
    return `${this.keyPrefix}product:${id}:page:${locale}`;
  }
}
