//! Statuses and other closed sets of words that are stored as text.
//!
//! `str_enum!` defines such an enum once, with its stored word for each variant, and gives it
//! what every layer needs: `ALL` (in order), `as_str`, `from_name`, `Display`, `AsRef<str>`,
//! `TryFrom<String>` (so a store row reads it with `#[sqlx(try_from = "String")]` and a word the
//! code does not know is an error, not a silent string), serde as the word, and an OpenAPI schema
//! that lists the words. Areas add their own rules in a second `impl` block.

#[doc(hidden)]
pub use ::serde as __serde;
#[doc(hidden)]
pub use ::utoipa as __utoipa;

/// The word read from the database or a request is not one of the enum's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {word:?}")]
pub struct UnknownWord {
    pub kind: &'static str,
    pub word: String,
}

#[macro_export]
macro_rules! str_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the order of the enum.
            pub const ALL: &'static [$name] = &[$( $name::$variant ),+];

            /// The stored word.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word ),+
                }
            }

            /// The value whose stored word is `s`, if any.
            pub fn from_name(s: &str) -> Option<Self> {
                match s {
                    $( $word => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::convert::TryFrom<&str> for $name {
            type Error = $crate::status::UnknownWord;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::from_name(s).ok_or_else(|| $crate::status::UnknownWord {
                    kind: stringify!($name),
                    word: s.to_owned(),
                })
            }
        }

        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::status::UnknownWord;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::try_from(s.as_str())
            }
        }

        impl $crate::status::__serde::Serialize for $name {
            fn serialize<S: $crate::status::__serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::status::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::status::__serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::status::__serde::Deserialize>::deserialize(d)?;
                Self::from_name(&s).ok_or_else(|| {
                    $crate::status::__serde::de::Error::unknown_variant(&s, &[$( $word ),+])
                })
            }
        }

        impl $crate::status::__utoipa::PartialSchema for $name {
            fn schema() -> $crate::status::__utoipa::openapi::RefOr<$crate::status::__utoipa::openapi::schema::Schema> {
                $crate::status::__utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type($crate::status::__utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$( $word ),+]))
                    .into()
            }
        }

        impl $crate::status::__utoipa::ToSchema for $name {}
    };
}

#[cfg(test)]
mod tests {
    str_enum! {
        /// A test set.
        pub enum Light {
            Red = "red",
            /// Amber is in between.
            Amber = "amber",
            Green = "green",
        }
    }

    #[test]
    fn words_round_trip_and_strangers_are_refused() {
        for l in Light::ALL {
            assert_eq!(Light::try_from(l.as_str().to_owned()), Ok(*l));
            assert_eq!(l.to_string(), l.as_str());
        }
        let err = Light::try_from("blue").unwrap_err();
        assert_eq!(err.to_string(), "unknown Light: \"blue\"");
        assert_eq!(Light::from_name("Red"), None, "words are exact");
        assert!(Light::Red < Light::Green, "order is the enum's");
    }
}
