import { checkSchema, createError, formatIssues, type PublisherInfo, type PublisherKind } from '@oko/shared';
import {
  mintPublisher,
  publisherInfo,
  refuseAdminName,
  StoredPublisher,
  tokenHash,
  type PublisherRepository,
} from '../services/publisher-repository.js';
import { pgErrorCode, PG_UNIQUE_VIOLATION, type Database } from './database.js';
import { withDatabase } from './unavailable.js';

interface PublisherRow {
  id: string;
  name: string;
  kind: string;
  created_at: Date;
  token_sha256: string;
}

const COLUMNS = 'id, name, kind, created_at, token_sha256';

/** A row as publishers.json would hold it, checked like that file: a row that is not a token is an error, never a token. */
function fromRow(row: PublisherRow): StoredPublisher {
  const stored = { ...row, created_at: row.created_at.toISOString() };
  const issues = checkSchema(StoredPublisher, stored, `publishers/${row.id}`);
  if (issues.length > 0) throw new Error(`The publishers table has a bad row (id ${row.id}): ${formatIssues(issues.slice(0, 3))}`);
  return stored as StoredPublisher;
}

/**
 * Tokens in PostgreSQL (002-publishers.ts), with no copy in memory: every lookup asks the table,
 * so a token revoked through one replica is refused by every replica on its next request. The
 * lookup is one indexed query on token_sha256 (UNIQUE), and names are unique in the table, which
 * decides two replicas creating one name at once.
 */
class PgPublisherRepository implements PublisherRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<PublisherInfo[]> {
    const { rows } = await withDatabase(() => this.db.query<PublisherRow>(`SELECT ${COLUMNS} FROM publishers ORDER BY created_at, name`));
    return rows.map((row) => publisherInfo(fromRow(row)));
  }

  async findByToken(token: string): Promise<PublisherInfo | undefined> {
    const { rows } = await withDatabase(() =>
      this.db.query<PublisherRow>(`SELECT ${COLUMNS} FROM publishers WHERE token_sha256 = $1`, [tokenHash(token)]),
    );
    return rows[0] && publisherInfo(fromRow(rows[0]));
  }

  async create(name: string, kind: PublisherKind): Promise<PublisherInfo & { token: string }> {
    refuseAdminName(name);
    const { stored, token } = mintPublisher(name, kind);
    try {
      await withDatabase(() =>
        this.db.query(`INSERT INTO publishers (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [
          stored.id,
          stored.name,
          stored.kind,
          stored.created_at,
          stored.token_sha256,
        ]),
      );
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION && (error as { constraint?: string }).constraint === 'publishers_name_key') {
        throw createError('PUBLISHER_EXISTS', `A token named '${name}' already exists`);
      }
      throw error;
    }
    return { ...publisherInfo(stored), token };
  }

  async remove(id: string): Promise<PublisherInfo> {
    const { rows } = await withDatabase(() =>
      this.db.query<PublisherRow>(`DELETE FROM publishers WHERE id = $1 RETURNING ${COLUMNS}`, [id]),
    );
    if (!rows[0]) throw createError('PUBLISHER_NOT_FOUND', `No token with id '${id}'`);
    return publisherInfo(fromRow(rows[0]));
  }
}

export async function openPgPublishers(db: Database): Promise<PublisherRepository> {
  return new PgPublisherRepository(db);
}
