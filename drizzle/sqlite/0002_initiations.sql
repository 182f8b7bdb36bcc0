CREATE TABLE `initiations` (
	`purchase_order_id` text PRIMARY KEY NOT NULL,
	`request_fingerprint` text NOT NULL,
	`state` text NOT NULL,
	`pidx` text,
	`owner` text NOT NULL,
	`lease_until` integer NOT NULL,
	`updated_at` integer NOT NULL
);
