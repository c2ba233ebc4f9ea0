CREATE TABLE "revocation_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"session_id" uuid,
	"user_id" uuid,
	"reason" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "revocation_log_head" (
	"id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "revocation_log_at_idx" ON "revocation_log" USING btree ("at");--> statement-breakpoint
-- Sessions that ended shortly before this migration: a verifier's first snapshot must know them too.
INSERT INTO "revocation_log" ("seq", "kind", "at", "session_id", "user_id", "reason")
SELECT row_number() OVER (ORDER BY "at", "session_id"), 'revoked', "at", "session_id", "user_id", "reason"
FROM (
	SELECT "ended_at" AS "at", "id" AS "session_id", "user_id", "end_reason" AS "reason" FROM "sessions" WHERE "ended_at" > now() - interval '1 day'
	UNION ALL
	SELECT "ended_at", "session_id", NULL, 'admin' FROM "session_tombstones" WHERE "ended_at" > now() - interval '1 day'
) AS "recent";
--> statement-breakpoint
INSERT INTO "revocation_log_head" ("id", "seq") SELECT 1, count(*) FROM "revocation_log";
