CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"operation" text NOT NULL,
	"pidx" text,
	"actor" text,
	"http_status" integer,
	"duration_ms" integer,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "initiations" (
	"purchase_order_id" text PRIMARY KEY NOT NULL,
	"request_fingerprint" text NOT NULL,
	"state" text NOT NULL,
	"pidx" text,
	"owner" text NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"pidx" text PRIMARY KEY NOT NULL,
	"purchase_order_id" text NOT NULL,
	"purchase_order_name" text NOT NULL,
	"amount" bigint NOT NULL,
	"total_amount" bigint,
	"status" text NOT NULL,
	"transaction_id" text,
	"fee" bigint,
	"refunded" boolean DEFAULT false NOT NULL,
	"refunded_amount" bigint DEFAULT 0 NOT NULL,
	"payment_url" text NOT NULL,
	"return_url" text NOT NULL,
	"customer_name" text,
	"customer_email" text,
	"customer_phone" text,
	"personal_data_erased_at" timestamp with time zone,
	"expiry_inferred" boolean DEFAULT false NOT NULL,
	"late_completion" boolean DEFAULT false NOT NULL,
	"bank_payment" boolean DEFAULT false NOT NULL,
	"request_fingerprint" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"next_lookup_at" timestamp with time zone,
	"lookup_attempts" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"pidx" text NOT NULL,
	"amount" bigint NOT NULL,
	"full" boolean NOT NULL,
	"mobile" text,
	"state" text NOT NULL,
	"detail" text,
	"idempotency_key" text,
	"request_fingerprint" text NOT NULL,
	"actor" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"next_settle_at" timestamp with time zone,
	"settle_attempts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_pidx_payments_pidx_fk" FOREIGN KEY ("pidx") REFERENCES "public"."payments"("pidx") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_pidx_idx" ON "audit_log" USING btree ("pidx","id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_purchase_order_id_unique" ON "payments" USING btree ("purchase_order_id");--> statement-breakpoint
CREATE INDEX "payments_status_created_idx" ON "payments" USING btree ("status","created_at","pidx");--> statement-breakpoint
CREATE INDEX "payments_next_lookup_idx" ON "payments" USING btree ("next_lookup_at");--> statement-breakpoint
CREATE INDEX "payments_created_idx" ON "payments" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "refunds_pidx_idx" ON "refunds" USING btree ("pidx");--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_idempotency_key_unique" ON "refunds" USING btree ("idempotency_key") WHERE "refunds"."idempotency_key" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_one_open_per_payment" ON "refunds" USING btree ("pidx") WHERE "refunds"."state" IN ('REQUESTED', 'UNKNOWN');