import { EntitySchema } from 'typeorm';

/** A test entity: accounts with an owner, a balance and a creation time. */
export interface Account {
  id: number;
  owner: string;
  balance: number;
  note: string | null;
  createdAt: Date;
}

/** The account entity as a TypeORM EntitySchema (no decorators needed). */
export const AccountEntity = new EntitySchema<Account>({
  name: 'Account',
  tableName: 'accounts',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    owner: { type: String, length: 100 },
    balance: { type: 'integer', default: 0 },
    note: { type: String, nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
  },
  indices: [{ name: 'idx_accounts_owner', columns: ['owner'] }],
});
