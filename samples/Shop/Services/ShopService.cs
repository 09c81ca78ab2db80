namespace Shop.Services;

/// <summary>One of the shop's services, run as a process of its own with <c>--service</c>.</summary>
internal enum ShopService
{
    /// <summary>Takes the orders: the <c>orders</c> table and the outbox that sends <c>order.created</c>.</summary>
    Orders,

    /// <summary>Charges the orders: the <c>charges</c> and <c>declines</c> tables, its inbox and its outbox.</summary>
    Payment,

    /// <summary>Reserves the stock: the <c>reservations</c> table, its inbox and its outbox.</summary>
    Inventory,

    /// <summary>Sends the e-mails: the <c>emails</c> table, keyed by the event each answers.</summary>
    Notification,
}
