/** Why the services box could not read a project's repository; each message is for the admin or user. */
export class MirrorError extends Error {
  override name = "MirrorError";
}

export class HostKeyChangedError extends MirrorError {
  override name = "HostKeyChangedError";
  constructor(slug: string, pinnedFingerprint: string) {
    super(
      `The SSH host key of the git server of ${slug} has changed since it was pinned on first contact ` +
        `(pinned key ${pinnedFingerprint}). Refusing to connect: someone may be intercepting the connection. ` +
        "If the server's key was changed on purpose, clear the project's pinned host key.",
    );
  }
}

export class MirrorAuthError extends MirrorError {
  override name = "MirrorAuthError";
  constructor(slug: string) {
    super(`The git server refused the deploy key of ${slug}: add the project's deploy public key to the repository.`);
  }
}

export class MirrorUnreachableError extends MirrorError {
  override name = "MirrorUnreachableError";
}

export class NoSuchRevisionError extends MirrorError {
  override name = "NoSuchRevisionError";
  constructor(what: string) {
    super(`No such revision in the repository: ${what}.`);
  }
}

export class NoConfigError extends MirrorError {
  override name = "NoConfigError";
  constructor(revision: string) {
    super(`No .circleci/config.yml at revision ${revision}.`);
  }
}

/** Any other failing git command: its last stderr lines. */
export class GitCommandError extends MirrorError {
  override name = "GitCommandError";
}
