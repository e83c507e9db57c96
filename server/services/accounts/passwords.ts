import argon2 from 'argon2';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 200;

export type PasswordHashCost = 'standard' | 'low';

/** argon2id parameters: the library's defaults (64 MiB, 3 passes), or cheap ones for tests. */
const HASH_OPTIONS = {
  standard: { type: argon2.argon2id },
  low: { type: argon2.argon2id, memoryCost: 4096, timeCost: 2, parallelism: 1 },
} as const;

/** A stored hash names its own parameters, so verifying needs no cost setting. */
export const hashPassword = (password: string, cost: PasswordHashCost = 'standard') =>
  argon2.hash(password, HASH_OPTIONS[cost]);

/** Whether the password matches the stored hash; a malformed hash never matches. */
export const passwordMatches = (hash: string, password: string) =>
  argon2.verify(hash, password).catch(() => false);

// A fixed hash per cost to verify against when the address is unknown, so timing does not
// reveal it.
const dummyHashes: Partial<Record<PasswordHashCost, Promise<string>>> = {};

/** Spend the time of one verification without an account to verify against. */
export async function verifyAgainstNothing(
  password: string,
  cost: PasswordHashCost = 'standard',
): Promise<void> {
  dummyHashes[cost] ??= hashPassword('landpost-dummy-password', cost);
  await passwordMatches(await dummyHashes[cost], password);
}

/** The password rule: the message key's last part, or undefined when the password is fine. */
export function passwordProblem(password: string): 'tooShort' | 'tooLong' | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return 'tooShort';
  if (password.length > MAX_PASSWORD_LENGTH) return 'tooLong';
  return undefined;
}
