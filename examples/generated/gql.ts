/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query AuditLog($pidx: ID, $first: Int, $after: String) {\n  auditLog(pidx: $pidx, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        at\n        kind\n        operation\n        actor\n        httpStatus\n        durationMs\n        detail\n      }\n    }\n  }\n}": typeof types.AuditLogDocument,
    "query Banks($type: BankPaymentType!) {\n  banks(type: $type) {\n    idx\n    name\n    shortName\n    logo\n  }\n}": typeof types.BanksDocument,
    "query CheckoutConfig {\n  checkoutConfig {\n    environment\n    publicKey\n    returnUrl\n  }\n}": typeof types.CheckoutConfigDocument,
    "mutation InitiatePayment($input: InitiatePaymentInput!) {\n  initiatePayment(input: $input) {\n    paymentUrl\n    payment {\n      pidx\n      status\n      amount\n      expiresAt\n      statusCursor\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}": typeof types.InitiatePaymentDocument,
    "subscription PaymentStatusChanged($pidx: ID!) {\n  paymentStatusChanged(pidx: $pidx) {\n    pidx\n    previousStatus\n    status\n    source\n    occurredAt\n    payment {\n      paid\n      totalAmount\n    }\n  }\n}": typeof types.PaymentStatusChangedDocument,
    "query Payment($pidx: ID!) {\n  payment(pidx: $pidx) {\n    pidx\n    purchaseOrderId\n    status\n    paid\n    amount\n    totalAmount\n    amountMismatch\n    transactionId\n    refundedAmount\n    lateCompletion\n  }\n}": typeof types.PaymentDocument,
    "query Payments($status: PaymentStatus, $first: Int, $after: String) {\n  payments(status: $status, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        pidx\n        purchaseOrderId\n        status\n        paid\n        amount\n        refundedAmount\n        refunds {\n          id\n          amount\n          state\n        }\n      }\n    }\n  }\n}": typeof types.PaymentsDocument,
    "mutation Refund($input: RefundInput!) {\n  refund(input: $input) {\n    refund {\n      id\n      amount\n      state\n      detail\n    }\n    payment {\n      pidx\n      status\n      refundedAmount\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}": typeof types.RefundDocument,
    "mutation ResolveRefund($input: ResolveRefundInput!) {\n  resolveRefund(input: $input) {\n    refund {\n      id\n      amount\n      state\n      detail\n    }\n    payment {\n      pidx\n      status\n      refundedAmount\n      paid\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}": typeof types.ResolveRefundDocument,
    "query TransactionStatus($token: String!, $amount: Int!) {\n  transactionStatus(token: $token, amount: $amount) {\n    status\n    state\n    detail\n  }\n}": typeof types.TransactionStatusDocument,
    "mutation VerifyPayment($pidx: ID!) {\n  verifyPayment(pidx: $pidx) {\n    pidx\n    status\n    paid\n    totalAmount\n  }\n}": typeof types.VerifyPaymentDocument,
};
const documents: Documents = {
    "query AuditLog($pidx: ID, $first: Int, $after: String) {\n  auditLog(pidx: $pidx, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        at\n        kind\n        operation\n        actor\n        httpStatus\n        durationMs\n        detail\n      }\n    }\n  }\n}": types.AuditLogDocument,
    "query Banks($type: BankPaymentType!) {\n  banks(type: $type) {\n    idx\n    name\n    shortName\n    logo\n  }\n}": types.BanksDocument,
    "query CheckoutConfig {\n  checkoutConfig {\n    environment\n    publicKey\n    returnUrl\n  }\n}": types.CheckoutConfigDocument,
    "mutation InitiatePayment($input: InitiatePaymentInput!) {\n  initiatePayment(input: $input) {\n    paymentUrl\n    payment {\n      pidx\n      status\n      amount\n      expiresAt\n      statusCursor\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}": types.InitiatePaymentDocument,
    "subscription PaymentStatusChanged($pidx: ID!) {\n  paymentStatusChanged(pidx: $pidx) {\n    pidx\n    previousStatus\n    status\n    source\n    occurredAt\n    payment {\n      paid\n      totalAmount\n    }\n  }\n}": types.PaymentStatusChangedDocument,
    "query Payment($pidx: ID!) {\n  payment(pidx: $pidx) {\n    pidx\n    purchaseOrderId\n    status\n    paid\n    amount\n    totalAmount\n    amountMismatch\n    transactionId\n    refundedAmount\n    lateCompletion\n  }\n}": types.PaymentDocument,
    "query Payments($status: PaymentStatus, $first: Int, $after: String) {\n  payments(status: $status, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        pidx\n        purchaseOrderId\n        status\n        paid\n        amount\n        refundedAmount\n        refunds {\n          id\n          amount\n          state\n        }\n      }\n    }\n  }\n}": types.PaymentsDocument,
    "mutation Refund($input: RefundInput!) {\n  refund(input: $input) {\n    refund {\n      id\n      amount\n      state\n      detail\n    }\n    payment {\n      pidx\n      status\n      refundedAmount\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}": types.RefundDocument,
    "mutation ResolveRefund($input: ResolveRefundInput!) {\n  resolveRefund(input: $input) {\n    refund {\n      id\n      amount\n      state\n      detail\n    }\n    payment {\n      pidx\n      status\n      refundedAmount\n      paid\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}": types.ResolveRefundDocument,
    "query TransactionStatus($token: String!, $amount: Int!) {\n  transactionStatus(token: $token, amount: $amount) {\n    status\n    state\n    detail\n  }\n}": types.TransactionStatusDocument,
    "mutation VerifyPayment($pidx: ID!) {\n  verifyPayment(pidx: $pidx) {\n    pidx\n    status\n    paid\n    totalAmount\n  }\n}": types.VerifyPaymentDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AuditLog($pidx: ID, $first: Int, $after: String) {\n  auditLog(pidx: $pidx, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        at\n        kind\n        operation\n        actor\n        httpStatus\n        durationMs\n        detail\n      }\n    }\n  }\n}"): (typeof documents)["query AuditLog($pidx: ID, $first: Int, $after: String) {\n  auditLog(pidx: $pidx, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        at\n        kind\n        operation\n        actor\n        httpStatus\n        durationMs\n        detail\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Banks($type: BankPaymentType!) {\n  banks(type: $type) {\n    idx\n    name\n    shortName\n    logo\n  }\n}"): (typeof documents)["query Banks($type: BankPaymentType!) {\n  banks(type: $type) {\n    idx\n    name\n    shortName\n    logo\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CheckoutConfig {\n  checkoutConfig {\n    environment\n    publicKey\n    returnUrl\n  }\n}"): (typeof documents)["query CheckoutConfig {\n  checkoutConfig {\n    environment\n    publicKey\n    returnUrl\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation InitiatePayment($input: InitiatePaymentInput!) {\n  initiatePayment(input: $input) {\n    paymentUrl\n    payment {\n      pidx\n      status\n      amount\n      expiresAt\n      statusCursor\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}"): (typeof documents)["mutation InitiatePayment($input: InitiatePaymentInput!) {\n  initiatePayment(input: $input) {\n    paymentUrl\n    payment {\n      pidx\n      status\n      amount\n      expiresAt\n      statusCursor\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription PaymentStatusChanged($pidx: ID!) {\n  paymentStatusChanged(pidx: $pidx) {\n    pidx\n    previousStatus\n    status\n    source\n    occurredAt\n    payment {\n      paid\n      totalAmount\n    }\n  }\n}"): (typeof documents)["subscription PaymentStatusChanged($pidx: ID!) {\n  paymentStatusChanged(pidx: $pidx) {\n    pidx\n    previousStatus\n    status\n    source\n    occurredAt\n    payment {\n      paid\n      totalAmount\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Payment($pidx: ID!) {\n  payment(pidx: $pidx) {\n    pidx\n    purchaseOrderId\n    status\n    paid\n    amount\n    totalAmount\n    amountMismatch\n    transactionId\n    refundedAmount\n    lateCompletion\n  }\n}"): (typeof documents)["query Payment($pidx: ID!) {\n  payment(pidx: $pidx) {\n    pidx\n    purchaseOrderId\n    status\n    paid\n    amount\n    totalAmount\n    amountMismatch\n    transactionId\n    refundedAmount\n    lateCompletion\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Payments($status: PaymentStatus, $first: Int, $after: String) {\n  payments(status: $status, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        pidx\n        purchaseOrderId\n        status\n        paid\n        amount\n        refundedAmount\n        refunds {\n          id\n          amount\n          state\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query Payments($status: PaymentStatus, $first: Int, $after: String) {\n  payments(status: $status, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        pidx\n        purchaseOrderId\n        status\n        paid\n        amount\n        refundedAmount\n        refunds {\n          id\n          amount\n          state\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Refund($input: RefundInput!) {\n  refund(input: $input) {\n    refund {\n      id\n      amount\n      state\n      detail\n    }\n    payment {\n      pidx\n      status\n      refundedAmount\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}"): (typeof documents)["mutation Refund($input: RefundInput!) {\n  refund(input: $input) {\n    refund {\n      id\n      amount\n      state\n      detail\n    }\n    payment {\n      pidx\n      status\n      refundedAmount\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ResolveRefund($input: ResolveRefundInput!) {\n  resolveRefund(input: $input) {\n    refund {\n      id\n      amount\n      state\n      detail\n    }\n    payment {\n      pidx\n      status\n      refundedAmount\n      paid\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}"): (typeof documents)["mutation ResolveRefund($input: ResolveRefundInput!) {\n  resolveRefund(input: $input) {\n    refund {\n      id\n      amount\n      state\n      detail\n    }\n    payment {\n      pidx\n      status\n      refundedAmount\n      paid\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TransactionStatus($token: String!, $amount: Int!) {\n  transactionStatus(token: $token, amount: $amount) {\n    status\n    state\n    detail\n  }\n}"): (typeof documents)["query TransactionStatus($token: String!, $amount: Int!) {\n  transactionStatus(token: $token, amount: $amount) {\n    status\n    state\n    detail\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation VerifyPayment($pidx: ID!) {\n  verifyPayment(pidx: $pidx) {\n    pidx\n    status\n    paid\n    totalAmount\n  }\n}"): (typeof documents)["mutation VerifyPayment($pidx: ID!) {\n  verifyPayment(pidx: $pidx) {\n    pidx\n    status\n    paid\n    totalAmount\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;