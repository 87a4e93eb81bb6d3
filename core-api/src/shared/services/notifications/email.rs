//! E-mail over SMTP with `lettre`: plain, STARTTLS (`?tls=starttls`) or TLS (`smtps://`).

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

#[derive(Clone)]
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `url` (checked here, so a bad one stops start-up).
    pub(crate) fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        // lettre calls STARTTLS "required"; "starttls" is what operators write.
        let url = url.replace("tls=starttls", "tls=required");
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)?.build();
        Ok(Mailer {
            transport,
            from: from.parse()?,
        })
    }

    /// Sends one message; `message_id` lets a receiver drop a repeat.
    pub(crate) async fn send(
        &self,
        (to, name): (&str, &str),
        (subject, body): (&str, &str),
        message_id: &str,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        let to = Mailbox::new(Some(name.to_owned()), to.parse()?);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(message_id.to_owned()))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())?;
        tokio::time::timeout(timeout, self.transport.send(message))
            .await
            .map_err(|_| anyhow::anyhow!("the SMTP server did not answer in time"))??;
        Ok(())
    }
}
