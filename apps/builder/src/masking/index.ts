export { MASK, SecretMasker } from "./masker";
export { MIN_SECRET_LENGTH, secretForms } from "./secret-forms";
