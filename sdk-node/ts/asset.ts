// Files and folders the engine uploads (a function's code): the core hashes them and the
// engine uploads them and passes the cloud a bucket and key.

import { native, setHandle } from "./native";

/** One local file (a path relative to the program's folder, or absolute). */
export class FileAsset {
  /** @internal */
  declare readonly __engine_handle: unknown;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
    setHandle(this, native.BindingAsset.file(path));
  }
}

/** A local folder, uploaded as one archive (a path relative to the program's folder, or absolute). */
export class FileArchive {
  /** @internal */
  declare readonly __engine_handle: unknown;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
    setHandle(this, native.BindingAsset.archive(path));
  }
}
