DROP INDEX `payments_status_idx`;--> statement-breakpoint
CREATE INDEX `payments_status_created_idx` ON `payments` (`status`,`created_at`,`pidx`);