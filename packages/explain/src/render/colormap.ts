/**
 * Colour maps from a value in [0, 1] (sequential) or [-1, 1] mapped to [0, 1] (diverging) to RGB bytes, by
 * linear interpolation between a few anchor colours.
 */
import { checkOneOf } from '@tiefe/core';

/** Names of the built-in colour maps: diverging 'bwr', 'seismic', 'coldnhot'; sequential 'hot', 'gray', 'viridis'. */
export type ColormapName = 'bwr' | 'seismic' | 'coldnhot' | 'hot' | 'gray' | 'viridis';

type Rgb = [number, number, number];

const ANCHORS: Record<ColormapName, Rgb[]> = {
  // blue - white - red: the usual LRP colours (negative blue, positive red)
  bwr: [
    [0, 0, 255],
    [255, 255, 255],
    [255, 0, 0],
  ],
  // matplotlib's seismic: dark blue - blue - white - red - dark red
  seismic: [
    [0, 0, 77],
    [0, 0, 255],
    [255, 255, 255],
    [255, 0, 0],
    [128, 0, 0],
  ],
  // zennit's coldnhot: cyan - blue - black - red - yellow
  coldnhot: [
    [0, 255, 255],
    [0, 0, 255],
    [0, 0, 0],
    [255, 0, 0],
    [255, 255, 0],
  ],
  hot: [
    [0, 0, 0],
    [230, 0, 0],
    [255, 210, 0],
    [255, 255, 255],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  viridis: [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ],
};

/** Is the map meant for signed values (centre = 0)? */
export function isDiverging(name: ColormapName): boolean {
  return name === 'bwr' || name === 'seismic' || name === 'coldnhot';
}

/** The colour of t in [0, 1] (clamped) under map `name`. */
export function colormap(name: ColormapName, t: number): Rgb {
  if (!Object.hasOwn(ANCHORS, name)) checkOneOf('colormap: name', name, COLORMAPS);
  const anchors = ANCHORS[name];
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0.5)) * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(u));
  const f = u - i;
  const a = anchors[i];
  const b = anchors[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Every built-in colour map name. */
export const COLORMAPS = Object.keys(ANCHORS) as ColormapName[];
