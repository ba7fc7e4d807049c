import { CreateJwtRevocation1764300000000 } from './1764300000000-create-jwt-revocation.migration';

/** Add these to your `DataSource`'s `migrations` (they suit SQLite, Postgres and MySQL/MariaDB). */
export const JWT_REVOCATION_MIGRATIONS = [CreateJwtRevocation1764300000000];

export { CreateJwtRevocation1764300000000 };
