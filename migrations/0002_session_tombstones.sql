CREATE TABLE "session_tombstones" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"ended_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "session_tombstones_ended_at_idx" ON "session_tombstones" USING btree ("ended_at");