import { MigrationInterface, QueryRunner } from 'typeorm';

/** Guessing limits for receipt numbers and pickup codes (see deliveries/secret-guard.ts). */
export class DeliverySecretGuard1795403000000 implements MigrationInterface {
  name = 'DeliverySecretGuard1795403000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE delivery.deliveries
        ADD COLUMN secret_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN secret_locked_until timestamptz NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE delivery.deliveries
        DROP COLUMN IF EXISTS secret_locked_until,
        DROP COLUMN IF EXISTS secret_failures`);
  }
}
