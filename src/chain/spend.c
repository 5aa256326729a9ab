/*
 * spend.c — see spend.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/amount.h"
#include "chain/spend.h"

/* ["<text>"] for a hex or id argument: only [0-9a-f], so no escaping. */
static json_t *
one_string(const char *text)
{
    return json_pack("[s]", text);
}

static bool
is_hex(const char *s)
{
    size_t n = strlen(s);

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* The string field `name` of `obj`, when it is hex. */
static const char *
hex_field(const json_t *obj, const char *name)
{
    const char *s = json_string_value(json_object_get(obj, name));

    return s != NULL && is_hex(s) ? s : NULL;
}

/* [[],[{"A":0.1},{"B":0.2}]]: one output each, exact decimals. */
static char *
outputs_text(const bs_spend_output *outputs, size_t count)
{
    size_t size = 16 + count * (BS_RPC_ADDRESS_SIZE + BS_AMOUNT_TEXT_SIZE + 8), n;
    char *text = malloc(size);

    if (text == NULL)
        return NULL;
    n = (size_t)snprintf(text, size, "[[],[");
    for (size_t i = 0; i < count; i++) {
        char amount[BS_AMOUNT_TEXT_SIZE];
        const char *a = outputs[i].address;

        /* An address is letters and digits: nothing to escape. */
        for (const char *p = a; *p != '\0'; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= 'A' && *p <= 'Z'))) {
                free(text);
                return NULL;
            }
        if (strlen(a) >= BS_RPC_ADDRESS_SIZE ||
            bs_amount_format(outputs[i].sats, amount, sizeof(amount)) != BS_OK) {
            free(text);
            return NULL;
        }
        n += (size_t)snprintf(text + n, size - n, "%s{\"%s\":%s}", i > 0 ? "," : "", a, amount);
    }
    snprintf(text + n, size - n, "]]");
    return text;
}

/* decoderawtransaction: the txid and the inputs of `hex`. */
static bs_status
decode(bs_rpc *wallet, const char *hex, json_t **tx, bs_rpc_error *err)
{
    json_t *params = one_string(hex);
    bs_status st =
        params == NULL ? BS_NOMEM : bs_rpc_call(wallet, "decoderawtransaction", params, tx, err);

    json_decref(params);
    if (st == BS_OK &&
        (hex_field(*tx, "txid") == NULL || strlen(hex_field(*tx, "txid")) != BS_RPC_TXID_SIZE - 1 ||
         !json_is_array(json_object_get(*tx, "vin")))) {
        json_decref(*tx);
        *tx = NULL;
        st = BS_CORRUPT;
    }
    return st;
}

bs_status
bs_spend_build(bs_rpc *wallet, const bs_spend_output *outputs, size_t count, char **hex,
               char txid[BS_RPC_TXID_SIZE], bs_rpc_error *err)
{
    char *text = outputs_text(outputs, count);
    json_t *raw = NULL, *funded = NULL, *signed_tx = NULL, *tx = NULL, *params;
    const char *h;
    bs_status st;

    *hex = NULL;
    txid[0] = '\0';
    if (text == NULL)
        return BS_INVALID;
    st = bs_rpc_call_text(wallet, "createrawtransaction", text, &raw, err);
    free(text);
    if (st != BS_OK)
        return st;
    if (!json_is_string(raw) || !is_hex(json_string_value(raw))) {
        json_decref(raw);
        return BS_CORRUPT;
    }
    params = json_pack("[O, {s:b}]", raw, "lockUnspents", 1);
    st =
        params == NULL ? BS_NOMEM : bs_rpc_call(wallet, "fundrawtransaction", params, &funded, err);
    json_decref(params);
    json_decref(raw);
    if (st != BS_OK)
        return st;
    h = hex_field(funded, "hex");
    params = h != NULL ? one_string(h) : NULL;
    st = h == NULL ? BS_CORRUPT
         : params == NULL
             ? BS_NOMEM
             : bs_rpc_call(wallet, "signrawtransactionwithwallet", params, &signed_tx, err);
    json_decref(params);
    if (st == BS_OK && (!json_is_true(json_object_get(signed_tx, "complete")) ||
                        hex_field(signed_tx, "hex") == NULL))
        st = BS_CORRUPT;
    if (st != BS_OK) {
        /* Nothing will send it: give its inputs back to the wallet. */
        if (h != NULL)
            (void)bs_spend_release(wallet, h, NULL);
        goto done;
    }
    st = decode(wallet, hex_field(signed_tx, "hex"), &tx, err);
    if (st == BS_OK) {
        *hex = strdup(hex_field(signed_tx, "hex"));
        if (*hex == NULL)
            st = BS_NOMEM;
        else
            memcpy(txid, hex_field(tx, "txid"), BS_RPC_TXID_SIZE);
    }
done:
    json_decref(tx);
    json_decref(signed_tx);
    json_decref(funded);
    return st;
}

bs_status
bs_spend_release(bs_rpc *wallet, const char *hex, bs_rpc_error *err)
{
    json_t *tx = NULL, *vin, *input, *coins, *params, *result = NULL;
    size_t i;
    bs_status st = decode(wallet, hex, &tx, err);

    if (st != BS_OK)
        return st;
    vin = json_object_get(tx, "vin");
    coins = json_array();
    json_array_foreach(vin, i, input)
    {
        json_t *coin = json_pack("{s:O?, s:O?}", "txid", json_object_get(input, "txid"), "vout",
                                 json_object_get(input, "vout"));

        if (coins == NULL || json_array_append_new(coins, coin) != 0)
            st = BS_NOMEM;
    }
    params = st == BS_OK ? json_pack("[b, o]", 1, coins) : NULL;
    if (params == NULL) {
        if (st == BS_OK)
            st = BS_NOMEM;
        else
            json_decref(coins);
    } else {
        st = bs_rpc_call(wallet, "lockunspent", params, &result, err);
    }
    json_decref(params);
    json_decref(result);
    json_decref(tx);
    return st;
}

bs_status
bs_spend_unlock_all(bs_rpc *wallet, bs_rpc_error *err)
{
    json_t *params = json_pack("[b]", 1), *result = NULL;
    bs_status st =
        params == NULL ? BS_NOMEM : bs_rpc_call(wallet, "lockunspent", params, &result, err);

    json_decref(params);
    json_decref(result);
    return st;
}

bs_status
bs_spend_broadcast(bs_rpc *wallet, const char *hex, bs_rpc_error *err)
{
    json_t *params = one_string(hex), *result = NULL;
    bs_status st =
        params == NULL ? BS_NOMEM : bs_rpc_call(wallet, "sendrawtransaction", params, &result, err);

    json_decref(params);
    json_decref(result);
    if (st == BS_REMOTE && err != NULL && err->code == BS_RPC_ERR_VERIFY_ALREADY_IN_CHAIN)
        st = BS_OK;
    return st;
}

bs_status
bs_spend_confirmations(bs_rpc *wallet, const char *txid, int64_t *confirmations, bs_rpc_error *err)
{
    json_t *params = one_string(txid), *result = NULL, *c;
    bs_status st =
        params == NULL ? BS_NOMEM : bs_rpc_call(wallet, "gettransaction", params, &result, err);

    json_decref(params);
    if (st == BS_REMOTE && err != NULL && err->code == BS_RPC_ERR_INVALID_ADDRESS)
        return BS_NOTFOUND; /* -5 "Invalid or non-wallet transaction id" */
    if (st != BS_OK)
        return st;
    c = json_object_get(result, "confirmations");
    if (json_is_integer(c))
        *confirmations = json_integer_value(c);
    else
        st = BS_CORRUPT;
    json_decref(result);
    return st;
}
