ALTER TABLE `payments` ADD `customer_name` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `customer_email` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `customer_phone` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `personal_data_erased_at` integer;--> statement-breakpoint
ALTER TABLE `payments` ADD `expiry_inferred` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `late_completion` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `refunds` ADD `next_settle_at` integer;--> statement-breakpoint
ALTER TABLE `refunds` ADD `settle_attempts` integer DEFAULT 0 NOT NULL;