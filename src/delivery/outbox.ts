// The outbox moved below delivery (src/outbox/) so audience/ and scenarios/ can enqueue without an upward arrow.
export {
  countDeliveries,
  type DeliveryCounts,
  type DeliveryRequest,
  enqueueDelivery,
} from "../outbox/outbox.js";
