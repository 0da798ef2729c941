import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';
import { DatasetFormatError } from './errors.js';
import { joinLocation, listFolder, readBytes } from './files.js';
import { gzip, maybeGunzip } from './gzip.js';
import {
  bytesPerValue,
  dtypeOfArray,
  type NumericArray,
  type NumericDtype,
  readValues,
  writeValues,
} from './typedArrays.js';

/** NIfTI-1 `datatype` code of each voxel type read and written. */
const CODE_OF: Record<NiftiDtype, number> = {
  uint8: 2,
  int16: 4,
  int32: 8,
  float32: 16,
  float64: 64,
  int8: 256,
  uint16: 512,
  uint32: 768,
};

/** NIfTI voxel types this reader supports. */
export type NiftiDtype = NumericDtype;
/** Voxel arrays, in native byte order. */
export type NiftiData = NumericArray;
const DTYPES = Object.keys(CODE_OF) as NiftiDtype[];
const DTYPE_OF: Record<number, NiftiDtype> = Object.fromEntries(DTYPES.map((d) => [CODE_OF[d], d]));

/** A decoded NIfTI-1 volume. */
export interface NiftiVolume {
  /** Sizes along i, j, k (and t, ...) as in the header's dim[1..dim[0]]: x fastest. */
  dims: number[];
  /** Voxel spacing per dim (pixdim[1..dim[0]]), usually millimetres. */
  pixdim: number[];
  /** The stored voxel type (before slope/intercept scaling). */
  dtype: NiftiDtype;
  /**
   * Voxels in file order (i fastest), so as a row-major array its shape is `dims` reversed:
   * [t?, k, j, i]. Scaled to float32 by scl_slope/scl_inter when the header asks for it.
   */
  data: NiftiData;
  /** 4x4 voxel-to-world matrix: sform when sform_code > 0, else qform (quaternion), else pixdim scaling. */
  affine: number[][];
  /** Header description text. */
  description: string;
}

/** The byte size a NIfTI-1 header declares (for the gunzip cap), once its 348 bytes are there. */
function niftiSize(head: Uint8Array): number | undefined {
  if (head.length < 348) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const le = view.getInt32(0, true) === 348;
  const rank = view.getInt16(40, le);
  const code = DTYPE_OF[view.getInt16(70, le)];
  const voxOffset = Math.floor(view.getFloat32(108, le));
  if (!code || rank < 1 || rank > 7 || !(voxOffset >= 348) || !Number.isFinite(voxOffset)) return 348; // readNifti reports it
  let count = 1;
  for (let d = 1; d <= rank; d++) count *= Math.max(1, view.getInt16(40 + 2 * d, le));
  // NIfTI files may carry extensions or padding after the voxels: allow a little beyond what the dims need.
  return voxOffset + count * bytesPerValue(code) + 1024 * 1024;
}

/**
 * Parses a NIfTI-1 single file (`.nii`, magic `n+1`), gzipped or raw, either byte order (detected from
 * sizeof_hdr = 348). Throws {@link DatasetFormatError} with the byte offset for a wrong header size, magic,
 * an unsupported datatype, or data shorter than the dimensions need.
 */
export function readNifti(bytes: Uint8Array, options: { name?: string } = {}): NiftiVolume {
  const name = options.name ?? 'NIfTI data';
  const raw = maybeGunzip(bytes, name, { limit: niftiSize });
  if (raw.length < 348)
    throw new DatasetFormatError(name, raw.length, 'a 348-byte NIfTI-1 header', `${raw.length} bytes`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let le = true;
  if (view.getInt32(0, true) !== 348) {
    if (view.getInt32(0, false) !== 348) {
      throw new DatasetFormatError(name, 0, 'sizeof_hdr = 348 (NIfTI-1)', String(view.getInt32(0, true)));
    }
    le = false;
  }
  const magic = String.fromCharCode(raw[344], raw[345], raw[346]);
  if (magic !== 'n+1' || raw[347] !== 0) {
    const hint = magic === 'ni1' ? ' (a .hdr/.img pair: convert to a single .nii)' : '';
    throw new DatasetFormatError(name, 344, "magic 'n+1\\0' (single-file NIfTI-1)", `'${magic}'${hint}`);
  }
  const rank = view.getInt16(40, le);
  if (rank < 1 || rank > 7) throw new DatasetFormatError(name, 40, 'dim[0] in 1..7', String(rank));
  const dims: number[] = [];
  const pixdim: number[] = [];
  for (let d = 1; d <= rank; d++) {
    const n = view.getInt16(40 + 2 * d, le);
    if (n < 1) throw new DatasetFormatError(name, 40 + 2 * d, `dim[${d}] >= 1`, String(n));
    dims.push(n);
    pixdim.push(view.getFloat32(76 + 4 * d, le));
  }
  const code = view.getInt16(70, le);
  const dtype: NiftiDtype | undefined = DTYPE_OF[code];
  if (!dtype)
    throw new DatasetFormatError(name, 70, `a datatype code in ${Object.keys(DTYPE_OF).join(', ')}`, String(code));
  const size = bytesPerValue(dtype);
  const voxOffset = Math.floor(view.getFloat32(108, le));
  // Not `voxOffset < 348` alone: NaN passes that, and every voxel then reads header bytes.
  if (!(voxOffset >= 348) || !Number.isFinite(voxOffset)) {
    throw new DatasetFormatError(name, 108, 'a finite vox_offset >= 348', String(view.getFloat32(108, le)));
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const need = voxOffset + count * size;
  if (raw.length < need) {
    throw new DatasetFormatError(
      name,
      raw.length,
      `${need} bytes (data from byte ${voxOffset}, ${count} x ${dtype} for dims [${dims}])`,
      `${raw.length} bytes (truncated)`,
    );
  }
  const stored = readValues(raw, voxOffset, count, dtype, le);
  let data = size === 1 ? stored.slice() : stored; // a copy: the volume does not keep the file's bytes
  const slope = view.getFloat32(112, le);
  const inter = view.getFloat32(116, le);
  // slope 0 means "no scaling" (NIfTI-1); a NaN or infinite slope or intercept would make every voxel NaN.
  if (!Number.isFinite(slope)) throw new DatasetFormatError(name, 112, 'a finite scl_slope', String(slope));
  if (slope !== 0 && !Number.isFinite(inter)) {
    throw new DatasetFormatError(name, 116, 'a finite scl_inter', String(inter));
  }
  if (slope !== 0 && (slope !== 1 || inter !== 0)) {
    const scaled = new Float32Array(count);
    for (let i = 0; i < count; i++) scaled[i] = data[i] * slope + inter;
    data = scaled;
  }
  const descBytes = raw.subarray(148, 228);
  const end = descBytes.indexOf(0);
  const description = new TextDecoder().decode(end >= 0 ? descBytes.subarray(0, end) : descBytes);
  return { dims, pixdim, dtype, data, affine: readAffine(view, le, pixdim), description };
}

function readAffine(view: DataView, le: boolean, pixdim: number[]): number[][] {
  const sform = view.getInt16(254, le);
  if (sform > 0) {
    const row = (at: number) => [0, 1, 2, 3].map((i) => view.getFloat32(at + 4 * i, le));
    return [row(280), row(296), row(312), [0, 0, 0, 1]];
  }
  const [dx = 1, dy = 1, dz = 1] = pixdim;
  const qform = view.getInt16(252, le);
  if (qform > 0) {
    // NIfTI-1 method 2: rotation from the quaternion (b, c, d), a = sqrt(1 - b^2 - c^2 - d^2); qfac = pixdim[0].
    const b = view.getFloat32(256, le);
    const c = view.getFloat32(260, le);
    const d = view.getFloat32(264, le);
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = view.getFloat32(76, le) < 0 ? -1 : 1;
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const off = [268, 272, 276].map((o) => view.getFloat32(o, le));
    return [0, 1, 2].map((r) => [R[r][0] * dx, R[r][1] * dy, R[r][2] * dz * qfac, off[r]]).concat([[0, 0, 0, 1]]);
  }
  return [
    [dx, 0, 0, 0],
    [0, dy, 0, 0],
    [0, 0, dz, 0],
    [0, 0, 0, 1],
  ];
}

/** Options of {@link writeNifti}. */
export interface WriteNiftiOptions {
  /** Voxel spacing per dim (default all 1). */
  pixdim?: number[];
  /** Gzip the result (`.nii.gz`) (default false). */
  gzip?: boolean;
  /** Header description (at most 79 bytes). */
  description?: string;
  /** Write big-endian (default false: little-endian). */
  bigEndian?: boolean;
}

/**
 * Encodes a volume as a single-file NIfTI-1 (`n+1`, vox_offset 352, no scaling, qform/sform codes 0).
 * `data` is in NIfTI order (i fastest) with sizes `dims`; the voxel type follows the typed array.
 */
export function writeNifti(data: NiftiData, dims: number[], options: WriteNiftiOptions = {}): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (dims.length < 1 || dims.length > 7) throw new InputError('writeNifti: dims', '1 to 7 sizes', `[${dims}]`);
  if (count !== data.length)
    throw new InputError('writeNifti: data', `${count} voxels for dims [${dims}]`, `${data.length}`);
  const dtype = dtypeOfArray(data, DTYPES);
  const size = bytesPerValue(dtype);
  const le = !options.bigEndian;
  const out = new Uint8Array(352 + count * size);
  const view = new DataView(out.buffer);
  view.setInt32(0, 348, le);
  view.setInt16(40, dims.length, le);
  dims.forEach((n, d) => {
    view.setInt16(42 + 2 * d, n, le);
  });
  for (let d = dims.length + 1; d < 8; d++) view.setInt16(40 + 2 * d, 1, le);
  view.setInt16(70, CODE_OF[dtype], le);
  view.setInt16(72, size * 8, le);
  view.setFloat32(76, 1, le);
  dims.forEach((_, d) => {
    view.setFloat32(80 + 4 * d, options.pixdim?.[d] ?? 1, le);
  });
  view.setFloat32(108, 352, le);
  view.setFloat32(112, 1, le);
  out.set(new TextEncoder().encode((options.description ?? '').slice(0, 79)), 148);
  out.set([0x6e, 0x2b, 0x31, 0], 344); // 'n+1\0'
  writeValues(view, 352, data, dtype, le);
  return options.gzip ? gzip(out) : out;
}

/** Intensity normalisation of image volumes: none, min-max to [0, 1], or z-score (x - mean) / std per volume. */
export type VolumeNormalization = 'none' | 'minmax' | 'zscore';

/**
 * A volume as a tensor [D, H, W, C] = [k, j, i, t] (channels last, NDHWC without the batch): float32
 * (normalised as asked) or int32 for label volumes.
 */
export function niftiToTensor(
  vol: NiftiVolume,
  options: { dtype?: 'float32' | 'int32'; normalize?: VolumeNormalization } = {},
): tf.Tensor4D {
  const [ni, nj = 1, nk = 1, ...rest] = vol.dims;
  const channels = rest.reduce((a, b) => a * b, 1);
  const dtype = options.dtype ?? 'float32';
  return tf.tidy(() => {
    // Row-major order of the data is [t, k, j, i]; move t last.
    let x: tf.Tensor = tf.tensor(
      dtype === 'int32' ? Int32Array.from(vol.data) : Float32Array.from(vol.data),
      [channels, nk, nj, ni],
      dtype,
    );
    x = channels === 1 ? tf.reshape(x, [nk, nj, ni, 1]) : tf.transpose(x, [1, 2, 3, 0]);
    if (dtype === 'float32') x = normalizeVolume('niftiToTensor', x, options.normalize ?? 'none');
    return x as tf.Tensor4D;
  });
}

function normalizeVolume(fn: string, x: tf.Tensor, how: VolumeNormalization): tf.Tensor {
  if (how === 'none') return x;
  if (how === 'minmax') {
    const lo = tf.min(x);
    const range = tf.sub(tf.max(x), lo);
    return tf.div(tf.sub(x, lo), tf.maximum(range, 1e-12));
  }
  if (how === 'zscore') {
    const { mean, variance } = tf.moments(x);
    return tf.div(tf.sub(x, mean), tf.maximum(tf.sqrt(variance), 1e-12));
  }
  throw new InputError(`${fn}: normalize`, "'none', 'minmax' or 'zscore'", String(how));
}

/** Options of {@link loadNiftiFolder}. */
export interface NiftiFolderOptions {
  /** Root folder holding the image and label sub-folders. */
  dir: string;
  /** Image sub-folder (default 'imagesTr', the Medical Segmentation Decathlon layout). */
  images?: string;
  /** Label sub-folder with the same file names (default 'labelsTr'). */
  labels?: string;
  /** Intensity normalisation per volume (default 'zscore'). */
  normalize?: VolumeNormalization;
  /** Keep only the first `limit` pairs (sorted by name). */
  limit?: number;
}

/** Image and label volumes, batched: volumes float32 [n, D, H, W, C] (NDHWC), labels int32 [n, D, H, W]. */
export interface VolumeData {
  volumes: tf.Tensor5D;
  labels: tf.Tensor4D;
  files: { image: string; label: string }[];
}

/**
 * Loads pairs of NIfTI image and label volumes (`.nii` or `.nii.gz`) given as locations; all pairs must have
 * the same size, and each label volume the image's spatial size.
 */
export async function loadNiftiPairs(
  pairs: { image: string; label: string }[],
  options: { normalize?: VolumeNormalization } = {},
): Promise<VolumeData> {
  if (pairs.length === 0) throw new InputError('loadNiftiPairs: pairs', 'at least one image/label pair', 'none');
  const vols: tf.Tensor4D[] = [];
  const labs: tf.Tensor4D[] = [];
  try {
    for (const p of pairs) {
      const img = readNifti(await readBytes(p.image), { name: p.image });
      const lab = readNifti(await readBytes(p.label), { name: p.label });
      if (lab.dims.slice(0, 3).join() !== img.dims.slice(0, 3).join() || lab.dims.slice(3).some((d) => d !== 1)) {
        throw new DatasetFormatError(p.label, 42, `dims [${img.dims.slice(0, 3)}] like ${p.image}`, `[${lab.dims}]`);
      }
      const v = niftiToTensor(img, { normalize: options.normalize ?? 'zscore' });
      if (vols.length > 0 && v.shape.join() !== vols[0].shape.join()) {
        v.dispose();
        throw new DatasetFormatError(
          p.image,
          42,
          `the size of ${pairs[0].image} ([${vols[0].shape}] as DHWC)`,
          `[${v.shape}]`,
        );
      }
      vols.push(v);
      labs.push(niftiToTensor(lab, { dtype: 'int32' }));
    }
    return {
      volumes: tf.stack(vols) as tf.Tensor5D,
      labels: tf.tidy(() => tf.squeeze(tf.stack(labs), [4])) as tf.Tensor4D,
      files: pairs,
    };
  } finally {
    tf.dispose([...vols, ...labs]);
  }
}

/**
 * Loads a volumetric segmentation folder: `dir/<images>/<name>.nii[.gz]` with `dir/<labels>/<name>.nii[.gz]`
 * (Node), e.g. a Medical Segmentation Decathlon task.
 */
export async function loadNiftiFolder(options: NiftiFolderOptions): Promise<VolumeData> {
  const imageDir = joinLocation(options.dir, options.images ?? 'imagesTr');
  const labelDir = joinLocation(options.dir, options.labels ?? 'labelsTr');
  const labelNames = new Set((await listFolder(labelDir, 'loadNiftiFolder: dir')).map((e) => e.name));
  let pairs = (await listFolder(imageDir, 'loadNiftiFolder: dir'))
    .filter((e) => !e.isDir && /\.nii(\.gz)?$/.test(e.name) && !e.name.startsWith('._'))
    .map((e) => {
      if (!labelNames.has(e.name))
        throw new DatasetFormatError(joinLocation(labelDir, e.name), 0, `a label volume for ${e.name}`, 'no such file');
      return { image: joinLocation(imageDir, e.name), label: joinLocation(labelDir, e.name) };
    });
  if (options.limit !== undefined) pairs = pairs.slice(0, options.limit);
  return loadNiftiPairs(pairs, options);
}
