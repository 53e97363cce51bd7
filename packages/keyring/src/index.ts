export { Keyring, KeyringError, keyringPath } from "./keyring";
