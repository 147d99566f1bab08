//! Operations, credentials and WebSocket channels compared by what is on the wire.

use std::collections::{BTreeMap, BTreeSet};

use super::types::{Side, compare_bounds, compare_doc, compare_ty};
use super::{Changes, Class, Kind, arrow};
use crate::ir::{
    Body, Channel, FixedHeader, Message, MessagePayload, Operation, Param, ParamLocation, Payload,
    Response, SchemeLocation,
};
use crate::surface::type_name;

/// Compares everything but the named types.
pub(super) fn compare(out: &mut Changes, old: &Side<'_>, new: &Side<'_>) {
    let (a, b) = (old.api, new.api);
    for (what, x, y) in [
        ("title", &a.title, &b.title),
        ("base URL", &a.base_url, &b.base_url),
    ] {
        if x != y {
            out.push(
                "api",
                Kind::ApiChanged,
                Class::Additive,
                format!("{what} {}", arrow(x, y)),
            );
        }
    }
    credentials(out, old, new);
    operations(out, old, new);
    channels(out, old, new);
}

fn location(location: &SchemeLocation) -> String {
    match location {
        SchemeLocation::Header(name) => format!("header {name}"),
        SchemeLocation::Query(name) => format!("query {name}"),
        SchemeLocation::Cookie(name) => format!("cookie {name}"),
        SchemeLocation::Bearer => "bearer".to_owned(),
        SchemeLocation::Basic => "basic".to_owned(),
    }
}

fn credentials(out: &mut Changes, old: &Side<'_>, new: &Side<'_>) {
    let by_wire = |side: &Side<'_>| -> BTreeMap<String, crate::ir::SecurityScheme> {
        side.api
            .security_schemes
            .iter()
            .map(|s| (s.wire.clone(), s.clone()))
            .collect()
    };
    let (a, b) = (by_wire(old), by_wire(new));
    for (wire, s) in &a {
        let key = format!("credential {wire}");
        let Some(t) = b.get(wire) else {
            // A scheme renamed in the document keeps its setter: callers see no change.
            let class = if b
                .values()
                .any(|t| t.setter == s.setter && !a.contains_key(&t.wire))
            {
                Class::Additive
            } else {
                Class::Breaking
            };
            out.push(
                key,
                Kind::CredentialRemoved,
                class,
                format!(".{}()", s.setter),
            );
            continue;
        };
        if s.setter != t.setter {
            out.push(
                &key,
                Kind::CredentialChanged,
                Class::Breaking,
                format!("setter {}", arrow(&s.setter, &t.setter)),
            );
        }
        if s.location != t.location {
            out.push(
                &key,
                Kind::CredentialChanged,
                Class::Additive,
                arrow(location(&s.location), location(&t.location)),
            );
        }
        compare_doc(
            out,
            &key,
            Kind::CredentialDoc,
            s.doc.as_ref(),
            t.doc.as_ref(),
        );
    }
    for (wire, t) in &b {
        if !a.contains_key(wire) {
            out.push(
                format!("credential {wire}"),
                Kind::CredentialAdded,
                Class::Additive,
                format!(".{}() ({})", t.setter, location(&t.location)),
            );
        }
    }
}

/// An operation with the accessor of its sub-client.
type Located<'a> = (Option<&'a str>, &'a Operation);

fn operations<'a>(out: &mut Changes, old: &Side<'a>, new: &Side<'a>) {
    let by_route = |side: &Side<'a>| -> BTreeMap<String, Located<'a>> {
        side.api
            .groups
            .iter()
            .flat_map(|g| {
                let accessor = g.accessor.as_ref().map(|a| a.method.as_str());
                g.operations
                    .iter()
                    .map(move |op| (format!("{} {}", op.http_method, op.path), (accessor, op)))
            })
            .collect()
    };
    let (a, b) = (by_route(old), by_route(new));
    let call = |(accessor, op): Located<'_>| match accessor {
        Some(accessor) => format!("{accessor}().{}()", op.method),
        None => format!("{}()", op.method),
    };
    for (route, &(accessor, op)) in &a {
        match b.get(route) {
            None => out.push(
                route,
                Kind::OperationRemoved,
                Class::Breaking,
                call((accessor, op)),
            ),
            Some(&now) => {
                if call((accessor, op)) != call(now) || op.builder != now.1.builder {
                    out.push(
                        route,
                        Kind::OperationRenamed,
                        Class::Breaking,
                        arrow(
                            format!("{} ({})", call((accessor, op)), op.builder),
                            format!("{} ({})", call(now), now.1.builder),
                        ),
                    );
                }
                operation(out, route, (old, op), (new, now.1));
            }
        }
    }
    for (route, &now) in &b {
        if !a.contains_key(route) {
            out.push(route, Kind::OperationAdded, Class::Additive, call(now));
        }
    }
}

fn operation(
    out: &mut Changes,
    route: &str,
    (old, a): (&Side<'_>, &Operation),
    (new, b): (&Side<'_>, &Operation),
) {
    compare_doc(
        out,
        route,
        Kind::OperationDoc,
        a.doc.as_ref(),
        b.doc.as_ref(),
    );
    params(out, route, (old, &a.params), (new, &b.params));
    fixed(out, route, "header", &a.fixed_headers, &b.fixed_headers);
    fixed(out, route, "query", &a.fixed_query, &b.fixed_query);
    body(out, route, (old, a.body.as_ref()), (new, b.body.as_ref()));
    let (x, y) = (response(old, &a.response), response(new, &b.response));
    if x.0 != y.0 {
        out.push(
            route,
            Kind::ResponseChanged,
            Class::Breaking,
            arrow(x.1, y.1),
        );
    }
    errors(out, route, (old, a), (new, b));
    let paging = |side: &Side<'_>, op: &Operation| {
        op.pagination.as_ref().map(|p| {
            format!(
                "{} of {} by {} from {:?}, more: {:?}",
                p.items,
                side.wire(&p.item),
                p.cursor_param,
                p.cursor,
                p.has_more
            )
        })
    };
    match (paging(old, a), paging(new, b)) {
        (None, Some(p)) => out.push(route, Kind::PaginationAdded, Class::Additive, p),
        (Some(p), None) => out.push(route, Kind::PaginationRemoved, Class::Breaking, p),
        (Some(p), Some(q)) if p != q => {
            out.push(route, Kind::PaginationChanged, Class::Breaking, arrow(p, q));
        }
        _ => {}
    }
    if a.security != b.security {
        // Callers hold credentials by setter, whatever the scheme is called in the document.
        let sets = |side: &Side<'_>, s: &[Vec<String>]| -> BTreeSet<BTreeSet<String>> {
            let setter = |scheme: &String| {
                side.api
                    .security_schemes
                    .iter()
                    .find(|s| &s.wire == scheme)
                    .map_or_else(|| scheme.clone(), |s| s.setter.clone())
            };
            s.iter()
                .map(|alt| alt.iter().map(setter).collect())
                .collect()
        };
        let (x, y) = (sets(old, &a.security), sets(new, &b.security));
        // No security at all accepts every caller.
        let lost = !y.is_empty() && (x.is_empty() || !x.is_subset(&y));
        let class = if lost {
            Class::Breaking
        } else {
            Class::Additive
        };
        let show = |s: &[Vec<String>]| {
            if s.is_empty() {
                "none".to_owned()
            } else {
                s.iter()
                    .map(|alt| alt.join(" + "))
                    .collect::<Vec<_>>()
                    .join(" | ")
            }
        };
        if a.security != b.security {
            out.push(
                route,
                Kind::SecurityChanged,
                class,
                arrow(show(&a.security), show(&b.security)),
            );
        }
    }
}

fn where_(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// Compares the parameters a caller supplies, of an operation or a channel's handshake.
fn params(
    out: &mut Changes,
    at: &str,
    (old, a): (&Side<'_>, &[Param]),
    (new, b): (&Side<'_>, &[Param]),
) {
    let by_wire = |ps: &[Param]| -> BTreeMap<String, Param> {
        ps.iter()
            .map(|p| (format!("{at} {} {}", where_(p.location), p.wire), p.clone()))
            .collect()
    };
    let (x, y) = (by_wire(a), by_wire(b));
    for (key, p) in &x {
        let Some(q) = y.get(key) else {
            out.push(key, Kind::ParamRemoved, Class::Breaking, p.name.clone());
            continue;
        };
        if p.name != q.name {
            out.push(
                key,
                Kind::ParamRenamed,
                Class::Breaking,
                arrow(&p.name, &q.name),
            );
        }
        compare_ty(out, key, Kind::ParamType, (old, &p.ty), (new, &q.ty));
        if p.required != q.required {
            let show = |r: bool| if r { "argument" } else { "setter" };
            out.push(
                key,
                Kind::ParamRequired,
                Class::Breaking,
                arrow(show(p.required), show(q.required)),
            );
        }
        if p.delimiter != q.delimiter || p.json != q.json {
            let show = |p: &Param| {
                if p.json {
                    "JSON".to_owned()
                } else {
                    p.delimiter
                        .as_ref()
                        .map_or("repeated".to_owned(), |d| format!("joined by {d:?}"))
                }
            };
            out.push(
                key,
                Kind::ParamEncoding,
                Class::Additive,
                arrow(show(p), show(q)),
            );
        }
        compare_bounds(out, key, Kind::ParamBounds, &p.bounds, &q.bounds);
        compare_doc(out, key, Kind::ParamDoc, p.doc.as_ref(), q.doc.as_ref());
    }
    for (key, q) in &y {
        if x.contains_key(key) {
            continue;
        }
        let (class, what) = if q.required {
            (Class::Breaking, "required, an argument")
        } else {
            (Class::Additive, "optional, a setter")
        };
        out.push(
            key,
            Kind::ParamAdded,
            class,
            format!("{}: {} ({what})", q.name, type_name(&q.ty)),
        );
    }
}

fn fixed(out: &mut Changes, route: &str, what: &str, a: &[FixedHeader], b: &[FixedHeader]) {
    // The API version's own value differs between versions by design.
    let values = |hs: &[FixedHeader]| -> BTreeMap<String, String> {
        hs.iter()
            .map(|h| {
                let value = if h.is_api_version {
                    "<API version>".to_owned()
                } else {
                    h.value.clone()
                };
                (h.wire.clone(), value)
            })
            .collect()
    };
    let (x, y) = (values(a), values(b));
    for wire in x.keys().chain(y.keys()).collect::<BTreeSet<_>>() {
        if x.get(wire) != y.get(wire) {
            let show = |v: Option<&String>| v.map_or("none".to_owned(), Clone::clone);
            out.push(
                format!("{route} {what} {wire}"),
                Kind::FixedValueChanged,
                Class::Additive,
                arrow(show(x.get(wire)), show(y.get(wire))),
            );
        }
    }
}

fn body(
    out: &mut Changes,
    route: &str,
    (old, a): (&Side<'_>, Option<&Body>),
    (new, b): (&Side<'_>, Option<&Body>),
) {
    let show = |body: &Body| {
        format!(
            "{} {}{}",
            body.media_type,
            type_name(&body.ty),
            if body.required { "" } else { " (optional)" }
        )
    };
    let key = format!("{route} body");
    match (a, b) {
        (None, None) => {}
        (None, Some(body)) => {
            let class = if body.required {
                Class::Breaking
            } else {
                Class::Additive
            };
            out.push(key, Kind::BodyAdded, class, show(body));
        }
        (Some(body), None) => out.push(key, Kind::BodyRemoved, Class::Breaking, show(body)),
        (Some(x), Some(y)) => {
            let wire = |side: &Side<'_>, body: &Body| {
                (
                    side.wire(&body.ty),
                    body.required,
                    body.media_type.clone(),
                    body.encoding,
                )
            };
            if wire(old, x) != wire(new, y) {
                out.push(
                    key,
                    Kind::BodyChanged,
                    Class::Breaking,
                    arrow(show(x), show(y)),
                );
            }
        }
    }
}

fn payload(side: &Side<'_>, payload: &Payload) -> (String, String) {
    match payload {
        Payload::Empty => ("()".to_owned(), "()".to_owned()),
        Payload::Json(ty) => (side.wire(ty), type_name(ty)),
        Payload::Text => ("text".to_owned(), "String (text)".to_owned()),
        Payload::Binary => ("binary".to_owned(), "bytes".to_owned()),
        Payload::EventStream(ty) => (
            format!("events<{}>", side.wire(ty)),
            format!("events of {}", type_name(ty)),
        ),
    }
}

/// A success response: its wire form and its Rust form.
fn response(side: &Side<'_>, response: &Response) -> (String, String) {
    match response {
        Response::Single(p) => payload(side, p),
        Response::Multi(multi) => {
            let (wire, rust): (Vec<String>, Vec<String>) = multi
                .variants
                .iter()
                .map(|v| {
                    let (wire, rust) = payload(side, &v.payload);
                    let media = v.media_type.as_deref().unwrap_or("-");
                    (
                        format!("{}={} {media} {wire}", v.name, v.status),
                        format!("{}({rust})", v.name),
                    )
                })
                .unzip();
            (
                format!("{}{{{}}}", multi.name, wire.join(", ")),
                format!("{} = {}", multi.name, rust.join(" | ")),
            )
        }
    }
}

fn errors(
    out: &mut Changes,
    route: &str,
    (old, a): (&Side<'_>, &Operation),
    (new, b): (&Side<'_>, &Operation),
) {
    let variants =
        |side: &Side<'_>, op: &Operation| -> BTreeMap<String, (String, String, String)> {
            op.errors
                .iter()
                .flat_map(|e| &e.variants)
                .map(|v| {
                    let (wire, rust) = payload(side, &v.payload);
                    (v.status.clone(), (v.name.clone(), wire, rust))
                })
                .collect()
        };
    let (x, y) = (variants(old, a), variants(new, b));
    let name = |op: &Operation| op.errors.as_ref().map(|e| e.name.clone());
    if let (Some(p), Some(q)) = (name(a), name(b))
        && p != q
    {
        out.push(
            format!("{route} errors"),
            Kind::ErrorChanged,
            Class::Breaking,
            arrow(p, q),
        );
    }
    for (status, (name, wire, rust)) in &x {
        let key = format!("{route} error {status}");
        match y.get(status) {
            None => out.push(key, Kind::ErrorRemoved, Class::Breaking, name.clone()),
            Some((now, now_wire, now_rust)) => {
                if name != now || wire != now_wire {
                    out.push(
                        key,
                        Kind::ErrorChanged,
                        Class::Breaking,
                        arrow(format!("{name}({rust})"), format!("{now}({now_rust})")),
                    );
                }
            }
        }
    }
    for (status, (name, _, rust)) in &y {
        if !x.contains_key(status) {
            // The first declared error makes an enum where there was none: a new type, and the
            // operation's error carries it.
            let class = if x.is_empty() {
                Class::Breaking
            } else {
                Class::Additive
            };
            out.push(
                format!("{route} error {status}"),
                Kind::ErrorAdded,
                class,
                format!("{name}({rust})"),
            );
        }
    }
}

fn channels<'a>(out: &mut Changes, old: &Side<'a>, new: &Side<'a>) {
    let by_address = |side: &Side<'a>| -> BTreeMap<String, &'a Channel> {
        side.api
            .channels
            .iter()
            .map(|c| (c.wire.clone(), c))
            .collect()
    };
    let (a, b) = (by_address(old), by_address(new));
    for (address, c) in &a {
        let key = format!("channel {address}");
        let Some(d) = b.get(address) else {
            out.push(key, Kind::ChannelRemoved, Class::Breaking, c.method.clone());
            continue;
        };
        if (&c.tag, &c.method, &c.type_stem) != (&d.tag, &d.method, &d.type_stem) {
            out.push(
                &key,
                Kind::ChannelChanged,
                Class::Breaking,
                arrow(
                    format!("{}().{}() {}", c.tag, c.method, c.type_stem),
                    format!("{}().{}() {}", d.tag, d.method, d.type_stem),
                ),
            );
        }
        compare_doc(out, &key, Kind::ChannelDoc, c.doc.as_ref(), d.doc.as_ref());
        params(out, &key, (old, &c.params), (new, &d.params));
        fixed(out, &key, "query", &c.fixed_query, &d.fixed_query);
        messages(
            out,
            &format!("{key} sends"),
            (old, &c.sends),
            (new, &d.sends),
            false,
        );
        messages(
            out,
            &format!("{key} receives"),
            (old, &c.receives),
            (new, &d.receives),
            true,
        );
    }
    for (address, d) in &b {
        if !a.contains_key(address) {
            out.push(
                format!("channel {address}"),
                Kind::ChannelAdded,
                Class::Additive,
                d.method.clone(),
            );
        }
    }
}

fn messages<'a>(
    out: &mut Changes,
    at: &str,
    (old, a): (&Side<'_>, &'a [Message]),
    (new, b): (&Side<'_>, &'a [Message]),
    received: bool,
) {
    let by_wire = |ms: &'a [Message]| -> BTreeMap<&'a str, &'a Message> {
        ms.iter().map(|m| (m.wire.as_str(), m)).collect()
    };
    let shape = |side: &Side<'_>, m: &Message| {
        let payload = match &m.payload {
            MessagePayload::Json(ty) => side.wire(ty),
            MessagePayload::Text(values) => format!("text {values:?}"),
            MessagePayload::Binary => "binary".to_owned(),
        };
        (m.name.clone(), m.method.clone(), payload, m.tag.clone())
    };
    let show = |m: &Message| {
        let payload = match &m.payload {
            MessagePayload::Json(ty) => type_name(ty),
            MessagePayload::Text(_) => "text".to_owned(),
            MessagePayload::Binary => "binary".to_owned(),
        };
        if m.method.is_empty() {
            format!("{}({payload})", m.name)
        } else {
            format!("{}({payload}) by {}()", m.name, m.method)
        }
    };
    let (x, y) = (by_wire(a), by_wire(b));
    for (wire, m) in &x {
        let key = format!("{at} {wire}");
        match y.get(wire) {
            None => out.push(key, Kind::MessageRemoved, Class::Breaking, show(m)),
            Some(n) => {
                let (was, is) = (shape(old, m), shape(new, n));
                if was != is && show(m) == show(n) {
                    // The same Rust names for another schema: show where each comes from.
                    out.push(
                        &key,
                        Kind::MessageChanged,
                        Class::Breaking,
                        format!("{} ({})", show(m), arrow(was.2, is.2)),
                    );
                } else if was != is {
                    out.push(
                        &key,
                        Kind::MessageChanged,
                        Class::Breaking,
                        arrow(show(m), show(n)),
                    );
                }
                compare_doc(out, &key, Kind::MessageDoc, m.doc.as_ref(), n.doc.as_ref());
            }
        }
    }
    for (wire, n) in &y {
        if !x.contains_key(wire) {
            // Received messages are variants of an exhaustive event enum.
            let class = if received {
                Class::Breaking
            } else {
                Class::Additive
            };
            out.push(format!("{at} {wire}"), Kind::MessageAdded, class, show(n));
        }
    }
}
