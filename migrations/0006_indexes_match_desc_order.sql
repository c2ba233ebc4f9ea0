DROP INDEX "security_events_user_at_idx";--> statement-breakpoint
DROP INDEX "sessions_user_active_idx";--> statement-breakpoint
DROP INDEX "sessions_user_ended_idx";--> statement-breakpoint
CREATE INDEX "security_events_user_at_idx" ON "security_events" USING btree ("user_id","at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "sessions_user_active_idx" ON "sessions" USING btree ("user_id","last_active_at" DESC NULLS FIRST) WHERE ended_at IS NULL;--> statement-breakpoint
CREATE INDEX "sessions_user_ended_idx" ON "sessions" USING btree ("user_id","ended_at" DESC NULLS FIRST) WHERE ended_at IS NOT NULL;