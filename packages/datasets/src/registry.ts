/**
 * What each named data set consists of: official file names, byte sizes, SHA-256 hashes of the files as
 * distributed, and the URLs to fetch them from (official first, then mirrors). Hashes were taken from the
 * torchvision / TensorFlow Datasets checksum lists and agree with the official MD5s.
 */

/** One downloadable file of a data set. */
export interface RemoteFile {
  /** Official file name, e.g. 't10k-images-idx3-ubyte.gz'. */
  name: string;
  /** Size in bytes of the file as distributed. */
  size: number;
  /** SHA-256 (hex) of the file as distributed. */
  sha256: string;
  /** URLs to try in order: the official one first, then mirrors. */
  urls: string[];
}

/** A named data set and its files. */
export interface DatasetSpec {
  /** Short id, also the cache sub-folder name. */
  id: string;
  /** Human name used in messages. */
  title: string;
  /** Where the data set is described. */
  homepage: string;
  files: RemoteFile[];
}

function mirrored(name: string, size: number, sha256: string, bases: string[]): RemoteFile {
  return { name, size, sha256, urls: bases.map((b) => b + name) };
}

const MNIST_BASES = [
  'https://yann.lecun.com/exdb/mnist/',
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
];

/** MNIST handwritten digits (LeCun, Cortes, Burges): 60,000 train + 10,000 test, 28x28 grey. */
export const MNIST: DatasetSpec = {
  id: 'mnist',
  title: 'MNIST',
  homepage: 'https://yann.lecun.com/exdb/mnist/',
  files: [
    mirrored(
      'train-images-idx3-ubyte.gz',
      9912422,
      '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      MNIST_BASES,
    ),
    mirrored(
      'train-labels-idx1-ubyte.gz',
      28881,
      '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      MNIST_BASES,
    ),
    mirrored(
      't10k-images-idx3-ubyte.gz',
      1648877,
      '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      MNIST_BASES,
    ),
    mirrored(
      't10k-labels-idx1-ubyte.gz',
      4542,
      'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      MNIST_BASES,
    ),
  ],
};

const FASHION_BASES = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://fashion-mnist.s3.eu-central-1.amazonaws.com/',
  'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
];

/** Fashion-MNIST (Zalando): 60,000 train + 10,000 test, 28x28 grey, 10 clothing classes. */
export const FASHION_MNIST: DatasetSpec = {
  id: 'fashion-mnist',
  title: 'Fashion-MNIST',
  homepage: 'https://github.com/zalandoresearch/fashion-mnist',
  files: [
    mirrored(
      'train-images-idx3-ubyte.gz',
      26421880,
      '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      FASHION_BASES,
    ),
    mirrored(
      'train-labels-idx1-ubyte.gz',
      29515,
      'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      FASHION_BASES,
    ),
    mirrored(
      't10k-images-idx3-ubyte.gz',
      4422102,
      '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      FASHION_BASES,
    ),
    mirrored(
      't10k-labels-idx1-ubyte.gz',
      5148,
      '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      FASHION_BASES,
    ),
  ],
};

/** CIFAR-10 binary version (Krizhevsky): 50,000 train + 10,000 test, 32x32 RGB, 10 classes. */
export const CIFAR10: DatasetSpec = {
  id: 'cifar-10',
  title: 'CIFAR-10',
  homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
  files: [
    {
      name: 'cifar-10-binary.tar.gz',
      size: 170052171,
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      urls: [
        'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        'https://storage.googleapis.com/s4tf-hosted-binaries/datasets/CIFAR10/cifar-10-binary.tar.gz',
      ],
    },
  ],
};

/** CIFAR-100 binary version: 50,000 train + 10,000 test, 32x32 RGB, 100 fine / 20 coarse classes. */
export const CIFAR100: DatasetSpec = {
  id: 'cifar-100',
  title: 'CIFAR-100',
  homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
  files: [
    {
      name: 'cifar-100-binary.tar.gz',
      size: 168513733,
      sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
      urls: ['https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz'],
    },
  ],
};

/** Every named data set, by id. */
export const DATASETS: Record<string, DatasetSpec> = {
  mnist: MNIST,
  'fashion-mnist': FASHION_MNIST,
  'cifar-10': CIFAR10,
  'cifar-100': CIFAR100,
};

/** Looks up one file of a data set by its official name. */
export function remoteFile(spec: DatasetSpec, name: string): RemoteFile {
  const f = spec.files.find((x) => x.name === name);
  if (!f) throw new Error(`${spec.title} has no file ${name}`);
  return f;
}
