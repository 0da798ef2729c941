import { importNodeOnly } from '@tiefe/core';
import { CHART_FONT } from './config.js';

/** Where Linux distributions (Debian's fonts-dejavu-core, Fedora, Arch) and Homebrew put DejaVu Sans. */
const FONT_DIRS = [
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/dejavu-sans-fonts',
  '/usr/share/fonts/dejavu',
  '/usr/share/fonts/TTF',
  '/usr/local/share/fonts',
  '/opt/homebrew/share/fonts',
];
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/** The font options resvg renders with: what it loads and the family it falls back to. */
export interface FontOptions {
  fontFiles: string[];
  loadSystemFonts: boolean;
  defaultFontFamily: string;
}

let found: Promise<FontOptions> | undefined;

/**
 * Node only: DejaVu Sans (regular and bold) from the first folder that has both, passed to resvg as files so
 * that text renders the same everywhere; without them, resvg's system fonts (text then depends on the machine).
 */
export function chartFonts(): Promise<FontOptions> {
  found ??= (async () => {
    const { access } = await importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises');
    const { join } = await importNodeOnly<typeof import('node:path')>('node:path');
    for (const dir of FONT_DIRS) {
      const files = FONT_FILES.map((f) => join(dir, f));
      const present = await Promise.all(
        files.map((f) =>
          access(f).then(
            () => true,
            () => false,
          ),
        ),
      );
      if (present.every(Boolean)) return { fontFiles: files, loadSystemFonts: false, defaultFontFamily: CHART_FONT };
    }
    return { fontFiles: [], loadSystemFonts: true, defaultFontFamily: CHART_FONT };
  })();
  return found;
}
