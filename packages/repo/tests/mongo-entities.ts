import { EntitySchema } from 'typeorm';

/** A MongoDB test document. */
export interface Doc {
  id: string;
  owner: string;
  balance: number;
  note: string | null;
  createdAt: Date;
}

/** The document entity: an ObjectId primary column, a default, a nullable field, a creation date. */
export const DocEntity = new EntitySchema<Doc>({
  name: 'Doc',
  tableName: 'docs',
  columns: {
    id: { type: String, objectId: true, primary: true },
    owner: { type: String },
    balance: { type: Number, default: 0 },
    note: { type: String, nullable: true },
    createdAt: { name: 'created_at', type: Date, createDate: true },
  },
});
