CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`operation` text NOT NULL,
	`pidx` text,
	`actor` text,
	`http_status` integer,
	`duration_ms` integer,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_pidx_idx` ON `audit_log` (`pidx`,`id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`pidx` text PRIMARY KEY NOT NULL,
	`purchase_order_id` text NOT NULL,
	`purchase_order_name` text NOT NULL,
	`amount` integer NOT NULL,
	`total_amount` integer,
	`status` text NOT NULL,
	`transaction_id` text,
	`fee` integer,
	`refunded` integer DEFAULT false NOT NULL,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`payment_url` text NOT NULL,
	`return_url` text NOT NULL,
	`bank_payment` integer DEFAULT false NOT NULL,
	`request_fingerprint` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`next_lookup_at` integer,
	`lookup_attempts` integer DEFAULT 0 NOT NULL,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_purchase_order_id_unique` ON `payments` (`purchase_order_id`);--> statement-breakpoint
CREATE INDEX `payments_status_idx` ON `payments` (`status`);--> statement-breakpoint
CREATE INDEX `payments_next_lookup_idx` ON `payments` (`next_lookup_at`);--> statement-breakpoint
CREATE INDEX `payments_created_idx` ON `payments` (`created_at`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`pidx` text NOT NULL,
	`amount` integer NOT NULL,
	`full` integer NOT NULL,
	`mobile` text,
	`state` text NOT NULL,
	`detail` text,
	`idempotency_key` text,
	`request_fingerprint` text NOT NULL,
	`actor` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`pidx`) REFERENCES `payments`(`pidx`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `refunds_pidx_idx` ON `refunds` (`pidx`);--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_idempotency_key_unique` ON `refunds` (`idempotency_key`) WHERE "refunds"."idempotency_key" IS NOT NULL;